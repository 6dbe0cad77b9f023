package dev.pgcdc.replication;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.sql.SQLException;
import java.time.Duration;

import dev.pgcdc.replication.FailureClassifier.Failure;
import dev.pgcdc.replication.FailureClassifier.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each SQLSTATE of a failed stream means for capture (pgjdbc's server errors are {@link SQLException}s
 * carrying the server's SQLSTATE). The server's text is German on purpose: the
 * decision must not depend on {@code lc_messages}.
 */
class FailureClassifierTests {

	private final FailureClassifier classifier = new FailureClassifier(ReplicationSettings.defaults(
			new ConnectionSettings("jdbc:postgresql://db/app", "capture", "secret"), "orders_slot", "orders_pub")
		.withIntervals(Duration.ofSeconds(1), Duration.ofSeconds(5)));

	@ParameterizedTest(name = "{0} -> {1}")
	@CsvSource(delimiter = '|', textBlock = """
			55006 | SLOT_IN_USE           |
			55000 | PERMANENT_IF_REPEATED | pg_drop_replication_slot('orders_slot')
			42P01 | PERMANENT_IF_REPEATED | cdc.publication.tables
			42501 | PERMANENT             | ALTER ROLE capture REPLICATION
			42704 | PERMANENT             | cdc.snapshot.mode=initial
			42601 | PERMANENT             | cdc.* configuration
			22021 | PERMANENT             | pg_replication_slot_advance('orders_slot', ...)
			22P05 | PERMANENT             | pg_replication_slot_advance('orders_slot', ...)
			28000 | PERMANENT             | pg_hba.conf
			28P01 | PERMANENT             | cdc.connection.username and password
			3D000 | PERMANENT             | cdc.connection.url
			57P04 | PERMANENT             | cdc.connection.url
			0A000 | PERMANENT             | Upgrade the server
			58P01 | PERMANENT             | pg_drop_replication_slot('orders_slot')
			08006 | TRANSIENT             |
			08001 | TRANSIENT             |
			08P01 | TRANSIENT             |
			57P01 | TRANSIENT             |
			57P02 | TRANSIENT             |
			57P03 | TRANSIENT             |
			57P05 | TRANSIENT             |
			57014 | TRANSIENT             |
			53100 | TRANSIENT             |
			53200 | TRANSIENT             |
			53300 | TRANSIENT             |
			53400 | TRANSIENT             |
			40001 | TRANSIENT             |
			40P01 | TRANSIENT             |
			42710 | TRANSIENT             |
			58030 | TRANSIENT             |
			XX000 | TRANSIENT             |
			""")
	void classifiesBySqlState(String sqlState, Kind kind, String fix) {
		Failure failure = this.classifier.classify(new SQLException("FEHLER:  etwas ging schief", sqlState));
		assertThat(failure.kind()).isEqualTo(kind);
		assertThat(failure.sqlState()).isEqualTo(sqlState);
		assertThat(failure.message()).startsWith("FEHLER:  etwas ging schief");
		if (fix != null) {
			assertThat(failure.message()).contains(fix);
		}
		else {
			assertThat(failure.message()).isEqualTo("FEHLER:  etwas ging schief");
		}
	}

	@Test
	void invalidatedSlotInAnotherLanguageIsPermanentOnceRepeated() {
		Failure failure = this.classifier.classify(new SQLException(
				"FEHLER:  kann keine Änderungen mehr aus Replikations-Slot »orders_slot« lesen", "55000"));
		assertThat(failure.isPermanent()).isTrue();
		assertThat(failure.message()).contains("invalidated")
			.contains("max_slot_wal_keep_size")
			.contains("changes made since the last confirmed position are lost")
			.contains("cdc.snapshot.mode=initial");
	}

	@Test
	void englishTextWithoutSqlStateIsNotReadAsAnInvalidatedSlot() {
		Failure failure = this.classifier.classify(
				new SQLException("ERROR: can no longer get changes from replication slot \"orders_slot\""));
		assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
		assertThat(failure.sqlState()).isNull();
	}

	@Test
	void slotInUseTextWithoutSqlStateIsNotReadAsSlotInUse() {
		Failure failure = this.classifier
			.classify(new SQLException("replication slot \"orders_slot\" is active for PID 4242"));
		assertThat(failure.kind()).isEqualTo(Kind.TRANSIENT);
	}

	@Test
	void ioFailuresWithoutSqlStateAreTransient() {
		assertThat(this.classifier.classify(new SQLException("The server ended the replication stream")).kind())
			.isEqualTo(Kind.TRANSIENT);
		assertThat(this.classifier.classify(new IllegalStateException("read failed", new SocketException("reset")))
			.kind()).isEqualTo(Kind.TRANSIENT);
		assertThat(this.classifier.classify(new RuntimeException(new IOException(new EOFException()))).kind())
			.isEqualTo(Kind.TRANSIENT);
	}

	@Test
	void serverErrorWrappedInARuntimeExceptionIsStillClassified() {
		RuntimeException wrapped = new IllegalStateException("Could not look up type 16384",
				new SQLException("FEHLER:  keine Berechtigung", "42501"));
		Failure failure = this.classifier.classify(wrapped);
		assertThat(failure.kind()).isEqualTo(Kind.PERMANENT);
		assertThat(failure.sqlState()).isEqualTo("42501");
		assertThat(failure.message()).startsWith("Could not look up type 16384")
			.contains("GRANT SELECT ON ... TO capture");
	}

	@Test
	void sqlStateOfTheOuterExceptionWins() {
		SQLException outer = new SQLException("connection lost", "08006",
				new SQLException("FEHLER:  keine Berechtigung", "42501"));
		assertThat(this.classifier.classify(outer).kind()).isEqualTo(Kind.TRANSIENT);
	}

}
