package dev.pgcdc.sample.mail;

import java.time.OffsetDateTime;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /mails}: the welcome e-mails sent, newest first.
 *
 * @author pgcdc
 */
@RestController
public class MailController {

	private final JdbcClient jdbc;

	public MailController(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	@GetMapping("/mails")
	public List<WelcomeEmail> mails(@RequestParam(defaultValue = "20") int limit) {
		return this.jdbc.sql("SELECT * FROM welcome_email ORDER BY sent_at DESC, customer_id DESC LIMIT ?")
			.param(limit)
			.query(WelcomeEmail.class)
			.list();
	}

	/**
	 * A welcome e-mail as stored.
	 *
	 * @param customerId the customer it welcomed
	 * @param address where it went
	 * @param subject its subject
	 * @param body its text
	 * @param sentAt when it was sent
	 */
	public record WelcomeEmail(long customerId, String address, String subject, String body, OffsetDateTime sentAt) {

	}

}
