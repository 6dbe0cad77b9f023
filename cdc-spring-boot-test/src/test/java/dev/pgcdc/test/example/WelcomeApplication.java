package dev.pgcdc.test.example;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The application of the example in {@code docs/testing.md}: one listener that sends welcome mails.
 */
@SpringBootApplication
public class WelcomeApplication {

}
