package dev.pgcdc.test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedRedisSupportTests {

	@Test
	void sharedServerAnswers() throws Exception {
		EmbeddedRedisSupport.Server server = EmbeddedRedisSupport.shared();
		try (Socket socket = new Socket("localhost", server.port())) {
			OutputStream out = socket.getOutputStream();
			out.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			StringBuilder reply = new StringBuilder();
			while (!reply.toString().endsWith("v\r\n")) {
				int next = in.read();
				assertThat(next).isNotNegative();
				reply.append((char) next);
			}
			assertThat(reply.toString()).isEqualTo("+OK\r\n$1\r\nv\r\n");
		}
	}

}
