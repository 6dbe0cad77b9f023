package dev.pgcdc.benchmarks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's settings, from program arguments ({@code --rows=50000}) or system properties
 * ({@code -Dbench.rows=50000}); an argument wins over a property.
 *
 * @param rows rows of W1 to insert and stream
 * @param batch rows per inserted transaction
 * @param variants the variants to run, in order
 * @param timeoutMillis how long one variant may take before it counts as failed
 * @param url JDBC URL of an external server, or {@code null} to start an embedded one
 * @param user role of the external server
 * @param password password of the external server
 * @param smoke whether this is the short CI run
 * @param repeat how many rounds of the variants to run, interleaved
 */
record Options(long rows, int batch, List<String> variants, long timeoutMillis, String url, String user,
		String password, boolean smoke, int repeat) {

	static final String RAW = "raw";

	/** An experiment, not in the report: {@link #RAW} with {@code binary = true} (PostgreSQL 14+). */
	static final String RAW_BINARY = "raw-binary";

	/**
	 * An experiment, not in the report: {@link #RAW} pausing {@code -Dbench.raw.pause-micros} (100) after every
	 * {@code -Dbench.raw.pause-every} (32) messages, so that they pile up in the socket.
	 */
	static final String RAW_COALESCED = "raw-coalesced";

	static final String FULL = "full";

	static final String FULL_VALUES = "full-values";

	static final String CDC_LISTENER = "cdc-listener";

	static final String CDC_LISTENER_4 = "cdc-listener-4";

	static final String SNAPSHOT = "snapshot";

	static final String PG_RECVLOGICAL = "pg_recvlogical";

	static final String REDIS = "redis";

	static final String DEBEZIUM = "debezium";

	static final String RABBIT = "rabbit";

	static final List<String> KNOWN_VARIANTS = List.of(RAW, RAW_BINARY, RAW_COALESCED, FULL, FULL_VALUES, CDC_LISTENER, CDC_LISTENER_4, SNAPSHOT, PG_RECVLOGICAL,
			REDIS, DEBEZIUM, RABBIT);

	static final String DEFAULT_VARIANTS = "raw,full,full-values,cdc-listener,redis,raw";

	private static final List<String> NAMES = List.of("rows", "batch", "smoke", "variants", "timeout", "url", "user",
			"password", "repeat");

	static final long DEFAULT_ROWS = 1_000_000;

	static final long SMOKE_ROWS = 50_000;

	static final String USAGE = """
			Usage: java -jar benchmarks/target/benchmarks.jar [--option=value ...]
			  (each option can also be given as a system property -Dbench.<option>=value)

			  --rows=N          rows of workload W1 (default 1000000)
			  --batch=N         rows per inserted transaction (default 1000)
			  --smoke           short CI run: 50000 rows unless --rows is given, stricter timeout
			  --variants=LIST   comma-separated, in order, from
			                      raw            pgjdbc stream drained without decoding (the baseline)
			                      full           pgcdc to a no-op @EventListener(ChangeEvent)
			                      full-values    the same, the listener reading every column
			                      cdc-listener   pgcdc to a no-op @CdcListener(ChangeEvent)
			                      cdc-listener-4 the same with concurrency = 4 (spread by primary key)
			                      snapshot       an initial snapshot of the table (cdc.snapshot.mode=initial)
			                                     to a no-op @EventListener: snapshot rows/s, not streaming
			                      pg_recvlogical PostgreSQL's C client, if installed: a second opinion on raw
			                      redis          pgcdc's Redis sink with HSET w1:{id} {pairs:*} + SADD w1:ids {id}
			                                     into a Redis started for the run; rows counted once in Redis
			                      debezium       the peer: Debezium Embedded, PostgreSQL connector with pgoutput,
			                                     its own slot and publication, a no-op Connect-format consumer
			                      rabbit         pgcdc's RabbitMQ sink (native JSON, publisher confirms) into a
			                                     private broker node started for the run (rabbitmq-server
			                                     installed); rows counted once the broker confirmed them;
			                                     measures the first 200,000 rows at most
			                    (default raw,full,full-values,cdc-listener,redis,raw; the mean of the raw runs is
			                    the baseline)
			  --repeat=N        run the variants N times, interleaved (raw, full, ..., raw, full, ...);
			                    the report gives median (min-max) of ratios taken per round (default 1)
			  --timeout=SECONDS longest time one variant may take (default 120 + rows/2000)
			  --url=JDBC_URL    measure an external server instead of starting an embedded one
			                    (needs wal_level=logical, a free replication slot per variant run, a role
			                    with REPLICATION;
			                    creates and drops table w1, publication pgcdc_bench_w1 and slots pgcdc_bench_*)
			  --user=NAME       role for --url (default postgres)
			  --password=SECRET password for --url
			  --help            print this text

			Exit status: 0 when every variant received every row, 1 when one did not, 2 on bad usage or setup failure.
			""";

	static Options parse(String[] args) {
		Map<String, String> values = new LinkedHashMap<>();
		for (String name : NAMES) {
			String property = System.getProperty("bench." + name);
			if (property != null) {
				values.put(name, property);
			}
		}
		for (String arg : args) {
			if (arg.equals("--help") || arg.equals("-h")) {
				throw new UsageException(null);
			}
			if (!arg.startsWith("--")) {
				throw new UsageException("Unexpected argument '" + arg + "'");
			}
			int equals = arg.indexOf('=');
			String name = (equals < 0) ? arg.substring(2) : arg.substring(2, equals);
			String value = (equals < 0) ? "true" : arg.substring(equals + 1);
			values.put(name, value);
		}
		for (String name : values.keySet()) {
			if (!NAMES.contains(name)) {
				throw new UsageException("Unknown option '" + name + "'");
			}
		}
		boolean smoke = Boolean.parseBoolean(values.getOrDefault("smoke", "false"));
		long rows = number(values, "rows", smoke ? SMOKE_ROWS : DEFAULT_ROWS);
		int batch = (int) number(values, "batch", 1000);
		if (rows < 2 || batch < 1) {
			throw new UsageException("--rows must be at least 2 and --batch at least 1");
		}
		List<String> variants = new ArrayList<>();
		for (String variant : values.getOrDefault("variants", DEFAULT_VARIANTS).split(",")) {
			String name = variant.trim();
			if (!KNOWN_VARIANTS.contains(name)) {
				throw new UsageException("Unknown variant '" + name + "'; choose from " + KNOWN_VARIANTS);
			}
			variants.add(name);
		}
		int repeat = (int) number(values, "repeat", 1);
		if (repeat < 1 || repeat > 9) {
			throw new UsageException("--repeat must be between 1 and 9");
		}
		long timeoutSeconds = number(values, "timeout", smoke ? 60 + rows / 2000 : 120 + rows / 2000);
		String url = values.get("url");
		if (url != null && !url.startsWith("jdbc:postgresql:")) {
			throw new UsageException("--url must be a jdbc:postgresql:// URL");
		}
		return new Options(rows, batch, List.copyOf(variants), timeoutSeconds * 1000, url,
				values.getOrDefault("user", "postgres"), values.get("password"), smoke, repeat);
	}

	private static long number(Map<String, String> values, String name, long defaultValue) {
		String value = values.get(name);
		if (value == null) {
			return defaultValue;
		}
		try {
			return Long.parseLong(value.replace("_", ""));
		}
		catch (NumberFormatException ex) {
			throw new UsageException("--" + name + " must be a number, not '" + value + "'");
		}
	}

	boolean embedded() {
		return this.url == null;
	}

	@Override
	public String toString() {
		return "rows=" + this.rows + ", batch=" + this.batch + ", variants=" + this.variants + ", timeout="
				+ (this.timeoutMillis / 1000) + "s" + ((this.repeat > 1) ? ", repeat=" + this.repeat : "")
				+ (this.smoke ? ", smoke" : "")
				+ ((this.url != null) ? ", url=" + this.url.replaceAll("(?i)(password=)[^&]*", "$1******")
						: ", embedded server");
	}

	/** Bad usage; a {@code null} message asks for the usage text only. */
	static final class UsageException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		UsageException(String message) {
			super(message);
		}

	}

}
