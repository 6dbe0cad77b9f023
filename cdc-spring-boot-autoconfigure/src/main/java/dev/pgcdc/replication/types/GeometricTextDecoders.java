package dev.pgcdc.replication.types;

import java.sql.SQLException;

import org.postgresql.geometric.PGbox;
import org.postgresql.geometric.PGcircle;
import org.postgresql.geometric.PGline;
import org.postgresql.geometric.PGlseg;
import org.postgresql.geometric.PGpath;
import org.postgresql.geometric.PGpoint;
import org.postgresql.geometric.PGpolygon;

/**
 * Decoders for the geometric types, to the pgjdbc classes {@code getObject} gives for them
 * ({@code PGpoint}, {@code PGline}, {@code PGlseg}, {@code PGbox}, {@code PGpath}, {@code PGpolygon},
 * {@code PGcircle}); each call returns a fresh object, as those classes are mutable.
 *
 * @author pgcdc
 */
final class GeometricTextDecoders {

	static final ValueDecoder POINT = (buffer, offset, length) -> parse("point", buffer, offset, length, PGpoint::new);

	static final ValueDecoder LINE = (buffer, offset, length) -> parse("line", buffer, offset, length, PGline::new);

	static final ValueDecoder LSEG = (buffer, offset, length) -> parse("lseg", buffer, offset, length, PGlseg::new);

	static final ValueDecoder BOX = (buffer, offset, length) -> parse("box", buffer, offset, length, PGbox::new);

	static final ValueDecoder PATH = (buffer, offset, length) -> parse("path", buffer, offset, length, PGpath::new);

	static final ValueDecoder POLYGON = (buffer, offset, length) -> parse("polygon", buffer, offset, length,
			PGpolygon::new);

	static final ValueDecoder CIRCLE = (buffer, offset, length) -> parse("circle", buffer, offset, length,
			PGcircle::new);

	private GeometricTextDecoders() {
	}

	private static Object parse(String type, byte[] buffer, int offset, int length, Parser parser) {
		try {
			return parser.parse(ScalarTextDecoders.ascii(buffer, offset, length));
		}
		catch (SQLException | RuntimeException ex) {
			IllegalArgumentException invalid = ScalarTextDecoders.invalid(type, buffer, offset, length);
			invalid.initCause(ex);
			throw invalid;
		}
	}

	@FunctionalInterface
	private interface Parser {

		Object parse(String text) throws SQLException;

	}

}
