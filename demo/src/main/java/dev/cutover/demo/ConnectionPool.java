package dev.cutover.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * The game app's database connections, kept open between requests. Connecting per request (a forked
 * backend and a login each time) cost more CPU than the requests themselves at 200 writes a second on two
 * cores, so a burst of held requests released at the switch queued for seconds. A connection is checked
 * before reuse: one the fence ended is dropped and replaced by a new one, which gets the fenced database's
 * read-only default, so a fenced database still refuses the app's next write.
 */
final class ConnectionPool implements AutoCloseable {

  private static final int VALID_SECONDS = 2;

  private final String jdbcUrl;
  private final String user;
  private final BlockingQueue<Connection> idle;
  private volatile boolean closed;

  ConnectionPool(String jdbcUrl, String user, int size) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.idle = new ArrayBlockingQueue<>(size);
  }

  /** A connection for one request: {@link Lease#close()} gives it back. */
  Lease borrow() throws SQLException {
    Connection c;
    while ((c = idle.poll()) != null) {
      if (c.isValid(VALID_SECONDS)) {
        return new Lease(c);
      }
      quietlyClose(c);
    }
    return new Lease(DriverManager.getConnection(jdbcUrl, user, ""));
  }

  private void giveBack(Connection c) {
    try {
      if (!c.getAutoCommit()) {
        // A request that failed inside its transaction: nothing of it may reach the next request.
        c.rollback();
        c.setAutoCommit(true);
      }
    } catch (SQLException broken) {
      quietlyClose(c);
      return;
    }
    if (closed || !idle.offer(c)) {
      quietlyClose(c);
    }
  }

  @Override
  public void close() {
    closed = true;
    Connection c;
    while ((c = idle.poll()) != null) {
      quietlyClose(c);
    }
  }

  private static void quietlyClose(Connection c) {
    try {
      c.close();
    } catch (SQLException alreadyGone) {
      // ended by the server (the fence) or the network: nothing left to close
    }
  }

  /** One borrowed connection. */
  final class Lease implements AutoCloseable {
    private final Connection connection;

    private Lease(Connection connection) {
      this.connection = connection;
    }

    Connection connection() {
      return connection;
    }

    @Override
    public void close() {
      giveBack(connection);
    }
  }
}
