package dev.pgcdc.replication;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The waits of the one back-off.
 */
class BackoffTests {

	@Test
	void doublesUpToTheMaximumAndStartsOverAfterReset() {
		Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5));
		assertThat(new long[] { backoff.nextDelayMillis(), backoff.nextDelayMillis(), backoff.nextDelayMillis(),
				backoff.nextDelayMillis(), backoff.nextDelayMillis() })
			.containsExactly(1000, 2000, 4000, 5000, 5000);
		assertThat(backoff.attempts()).isEqualTo(5);
		backoff.reset();
		assertThat(backoff.attempts()).isZero();
		assertThat(backoff.nextDelay()).isEqualTo(Duration.ofSeconds(1));
	}

	@Test
	void growsByTheMultiplier() {
		Backoff backoff = new Backoff(Duration.ofMillis(200), 1.5, Duration.ofMillis(500));
		assertThat(new long[] { backoff.nextDelayMillis(), backoff.nextDelayMillis(), backoff.nextDelayMillis() })
			.containsExactly(200, 300, 450);
		assertThat(backoff.nextDelayMillis()).isEqualTo(500);
	}

	@Test
	void multiplierOfOneKeepsTheWait() {
		Backoff backoff = new Backoff(Duration.ofMillis(100), 1.0, Duration.ofSeconds(10));
		assertThat(new long[] { backoff.nextDelayMillis(), backoff.nextDelayMillis() }).containsExactly(100, 100);
	}

	@Test
	void zeroInitialWaitIsOneMillisecondAndMaximumBelowItIsTheInitialWait() {
		assertThat(new Backoff(Duration.ZERO, Duration.ZERO).nextDelayMillis()).isEqualTo(1);
		Backoff backoff = new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1));
		assertThat(new long[] { backoff.nextDelayMillis(), backoff.nextDelayMillis() }).containsExactly(2000, 2000);
	}

	@Test
	void multiplierBelowOneIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new Backoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(5)))
			.withMessageContaining("multiplier must be at least 1");
	}

}
