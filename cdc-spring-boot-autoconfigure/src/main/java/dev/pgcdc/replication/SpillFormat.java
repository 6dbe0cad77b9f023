package dev.pgcdc.replication;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Sizes and byte views shared by the writer and the reader of spill files.
 *
 * @author pgcdc
 */
final class SpillFormat {

	static final int CHUNK = 64 * 1024;

	/** A buffer grown for one huge record is not kept beyond this. */
	static final int MAX_RETAINED = 4 * CHUNK;

	static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

	static final VarHandle INT_VIEW = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

	static final VarHandle LONG_VIEW = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

	private SpillFormat() {
	}

}
