package dev.pgcdc.replication;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.pgcdc.test.EmbeddedPostgresSupport.TestDatabase;

/**
 * Compares what the consumers of a campaign run delivered (their ledger files, one per consumer run, in the
 * order they ran) with what was committed (the database's {@code ledger} table, see {@link FaultWorkload}).
 */
final class FaultLedger {

	private static final long XID_MASK = 0xFFFF_FFFFL;

	/** Committed changes, {@code xid table op id}. */
	private final Set<String> committed = new HashSet<>();

	/** The workload's transaction number of each committed xid: commit order, as one writer commits. */
	private final Map<Long, Long> order = new HashMap<>();

	private FaultLedger() {
	}

	static FaultLedger read(TestDatabase database) throws Exception {
		FaultLedger ledger = new FaultLedger();
		try (Connection connection = database.connect(); Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT tx, xid, tbl, op, id FROM ledger WHERE tx > 0")) {
			// transaction 0 is the schema's first batch, written before the slot existed
			while (rs.next()) {
				// pgoutput sends the 32-bit xid; txid_current() adds the epoch
				long xid = rs.getLong(2) & XID_MASK;
				ledger.committed.add(xid + " " + rs.getString(3) + " " + rs.getString(4) + " " + rs.getLong(5));
				ledger.order.put(xid, rs.getLong(1));
			}
		}
		return ledger;
	}

	int committedChanges() {
		return this.committed.size();
	}

	int committedTransactions() {
		return this.order.size();
	}

	/**
	 * Return whether every committed change is in one of the ledger files (cheap enough to poll).
	 */
	static boolean allDelivered(TestDatabase database, List<Path> runs) throws Exception {
		FaultLedger ledger = read(database);
		Set<String> delivered = new HashSet<>();
		for (Path run : runs) {
			for (String line : lines(run)) {
				if (line.startsWith("E ")) {
					delivered.add(line.substring(2));
				}
			}
		}
		return delivered.containsAll(ledger.committed);
	}

	/**
	 * Check the runs against the committed changes.
	 * @param runs each consumer run's ledger file, in the order they ran
	 * @param confirmedAtEnd for each run but the last, the slot's confirmed position once it had ended
	 * (a crash, a failure, a takeover), or {@code null} when the next run is the same process continuing
	 * @return the counts
	 */
	Outcome check(List<Path> runs, List<Long> confirmedAtEnd) throws IOException {
		Set<String> delivered = new HashSet<>();
		Set<Long> earlierTransactions = new HashSet<>();
		long deliveries = 0;
		long orderViolations = 0;
		long duplicatesWithinRun = 0;
		long redeliveredConfirmed = 0;
		Set<Long> duplicateTransactions = new HashSet<>();
		for (int r = 0; r < runs.size(); r++) {
			Set<String> thisRun = new HashSet<>();
			Set<Long> thisRunTransactions = new HashSet<>();
			long lastTx = Long.MIN_VALUE;
			Long confirmedBefore = (r > 0 && r - 1 < confirmedAtEnd.size()) ? confirmedAtEnd.get(r - 1) : null;
			for (String line : lines(runs.get(r))) {
				String[] parts = line.split(" ");
				long xid = Long.parseLong(parts[1]);
				thisRunTransactions.add(xid);
				if (line.startsWith("C ")) {
					if (earlierTransactions.contains(xid)) {
						duplicateTransactions.add(xid);
						// at least once: only transactions past the confirmed position may come again
						if (confirmedBefore == null || Long.parseLong(parts[2]) <= confirmedBefore) {
							redeliveredConfirmed++;
						}
					}
					continue;
				}
				deliveries++;
				String change = line.substring(2);
				if (!thisRun.add(change)) {
					duplicatesWithinRun++;
				}
				delivered.add(change);
				// commit order: one writer commits in its transaction-number order
				long tx = this.order.getOrDefault(xid, Long.MAX_VALUE);
				if (tx < lastTx) {
					orderViolations++;
				}
				lastTx = tx;
			}
			earlierTransactions.addAll(thisRunTransactions);
		}
		Set<String> lost = new HashSet<>(this.committed);
		lost.removeAll(delivered);
		Set<String> phantom = new HashSet<>(delivered);
		phantom.removeAll(this.committed);
		return new Outcome(this.committed.size(), this.order.size(), deliveries, lost.size(), phantom.size(),
				deliveries - delivered.size(), duplicateTransactions.size(), duplicatesWithinRun, orderViolations,
				redeliveredConfirmed, lost.stream().limit(5).toList());
	}

	/** Whole lines only: a killed writer may leave half a line. */
	private static List<String> lines(Path file) throws IOException {
		if (!Files.exists(file)) {
			return List.of();
		}
		String text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
		int end = text.lastIndexOf('\n');
		return (end < 0) ? List.of() : new ArrayList<>(List.of(text.substring(0, end).split("\n")));
	}

	/**
	 * What a campaign run delivered, against what was committed.
	 *
	 * @param committedChanges row changes (and truncates) committed
	 * @param committedTransactions transactions committed with at least one change
	 * @param deliveries changes delivered, duplicates included
	 * @param lost committed changes never delivered (must be 0)
	 * @param phantoms delivered changes that were never committed (must be 0)
	 * @param duplicates deliveries of a change delivered before
	 * @param duplicateTransactions transactions delivered by more than one run
	 * @param duplicatesWithinRun changes one run delivered twice (must be 0)
	 * @param orderViolations changes delivered after a change of a later transaction, within one run (must be 0)
	 * @param redeliveredConfirmed transactions delivered again although their end had been confirmed (must be 0)
	 * @param lostSample a few lost changes, for the failure message
	 */
	record Outcome(long committedChanges, long committedTransactions, long deliveries, long lost, long phantoms,
			long duplicates, long duplicateTransactions, long duplicatesWithinRun, long orderViolations,
			long redeliveredConfirmed, List<String> lostSample) {
	}

}
