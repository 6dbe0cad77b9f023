package dev.pgcdc.test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedPostgresSupportTests {

	@Test
	void sharedServerIsReadyForLogicalReplication() throws Exception {
		EmbeddedPostgresSupport.TestDatabase database = EmbeddedPostgresSupport.createDatabase("support");
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SHOW wal_level")) {
			rs.next();
			assertThat(rs.getString(1)).isEqualTo("logical");
		}
	}

}
