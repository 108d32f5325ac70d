package dev.cutover.realapps;

import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * A web application installed from Debian's packages, as the tests run it on a box: its own PostgreSQL
 * role (not a superuser) that owns its schema, its own configuration per box, its server as a foreground
 * process. Nothing in here is the app's code: each implementation only configures, migrates and drives it
 * through its public HTTP API.
 */
interface RealApp extends AutoCloseable {

  /** One acknowledged write: what the app answered with ({@code id}) and what was written ({@code key}). */
  record Ack(long id, String key) {}

  /** A client of the app through the front door, with whatever session the app needs. */
  interface Client {

    /** One write the app must acknowledge; any other answer is an exception naming it. */
    Ack write(int seq) throws Exception;

    /** Reads the write back through the front door; returns the {@code X-Served-By} that answered. */
    String readBack(Ack ack) throws Exception;
  }

  /** The plan's app name and the workflow's id suffix. */
  String name();

  String role();

  String database();

  /** The schema that holds the app's tables (and the direct writer's ledger). */
  String schema();

  /**
   * Prepares both boxes as an operator would before a move: the app's role on both servers, its database
   * on the source only, the app's configuration for each box, its schema migrated and seeded on the
   * source as the app's role.
   */
  void install(Box home, Box arm, URI publicUrl) throws Exception;

  /** The app's server on a box, stopped; the box's service manager starts it. */
  AppProcess process(Box box);

  /** A path on the app that reads its database, for readiness and the plan's health check. */
  String healthPath();

  /** Text every healthy answer at {@link #healthPath()} contains. */
  String healthBody();

  Client client(URI publicUrl) throws Exception;

  /** The acknowledged writes that are not in {@code live}, looked up as a superuser. */
  List<Ack> missing(Connection live, List<Ack> acks) throws SQLException;

  /** Removes what the app's setup put outside the world's directory. */
  @Override
  void close();
}
