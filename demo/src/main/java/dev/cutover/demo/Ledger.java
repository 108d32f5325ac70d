package dev.cutover.demo;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every write the world acknowledged (a player's action the server answered 2xx to, a run of the
 * nightly writer that committed), and the check that counts: after the move, each one is looked up on
 * the database that is live at the end. Acknowledged but not found is lost.
 */
public final class Ledger {

  public enum Kind {
    /** ids: the stickers the pack added. */
    PACK,
    /** ids: the trade; profile: who gave the sticker. */
    TRADE,
    /** ids: the prediction; profile: who made it. */
    PREDICTION,
    /** ids: the run of the nightly writer; found only when all of its rows are there (never half a run). */
    STANDINGS
  }

  public record Ack(Kind kind, List<Long> ids, int profile) {}

  public record Lookup(int acknowledged, int found, List<Ack> lost) {}

  private static final Map<Kind, String> QUERIES = Map.of(
      Kind.PACK, "SELECT id, 0 FROM stickers WHERE id = ANY(?)",
      Kind.TRADE, "SELECT id, from_profile FROM trades WHERE id = ANY(?)",
      Kind.PREDICTION, "SELECT id, profile_id FROM predictions WHERE id = ANY(?)",
      Kind.STANDINGS, "SELECT run, 0 FROM standings_history WHERE run = ANY(?) GROUP BY run HAVING count(*) = "
          + GameDatabase.PROFILES);

  private Ledger() {}

  public static Lookup lookUp(Connection live, List<Ack> acks) throws SQLException {
    Set<String> present = new HashSet<>();
    for (Kind kind : Kind.values()) {
      List<Long> ids = new ArrayList<>();
      acks.stream().filter(a -> a.kind() == kind).forEach(a -> ids.addAll(a.ids()));
      if (ids.isEmpty()) {
        continue;
      }
      try (PreparedStatement s = live.prepareStatement(QUERIES.get(kind))) {
        Array array = live.createArrayOf("bigint", ids.toArray());
        s.setArray(1, array);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            present.add(kind + ":" + rs.getLong(1) + ":" + rs.getInt(2));
          }
        }
      }
    }
    List<Ack> lost = new ArrayList<>();
    for (Ack ack : acks) {
      int profile = ack.kind() == Kind.TRADE || ack.kind() == Kind.PREDICTION ? ack.profile() : 0;
      if (!ack.ids().stream().allMatch(id -> present.contains(ack.kind() + ":" + id + ":" + profile))) {
        lost.add(ack);
      }
    }
    return new Lookup(acks.size(), acks.size() - lost.size(), lost);
  }
}
