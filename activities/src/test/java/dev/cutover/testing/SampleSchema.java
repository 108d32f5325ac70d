package dev.cutover.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A rental-shop schema in the manner of the public sample databases (written here): an enum and a domain,
 * a full-text column kept by a trigger, a trigger that stamps updates, a partitioned table, a view, a
 * populated materialized view over three tables and one left unpopulated, a function, a row-level security
 * policy, a sequence whose next call is its start (is_called false), a grant to a role, a table without a key, and, when asked,
 * large objects. The objects the whole-database proof must see beyond table rows.
 */
public final class SampleSchema {

  /** The role the grants name; roles are per server, so {@link #create} makes it where it is missing. */
  public static final String READER = "sample_reader";

  private SampleSchema() {}

  public static void create(Connection c, boolean largeObjects) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + READER + "') THEN"
          + " CREATE ROLE " + READER + "; END IF; END $$");
      s.execute("CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'PG-13', 'R', 'NC-17')");
      s.execute("CREATE DOMAIN year AS integer CHECK (VALUE >= 1901 AND VALUE <= 2155)");
      s.execute("CREATE TABLE category (category_id serial PRIMARY KEY, name text NOT NULL UNIQUE)");
      s.execute("INSERT INTO category (name) SELECT 'category ' || g FROM generate_series(1, 16) g");
      s.execute("CREATE TABLE film (film_id serial PRIMARY KEY, title text NOT NULL, description text,"
          + " release_year year, rating mpaa_rating DEFAULT 'G', rental_rate numeric(4,2) NOT NULL DEFAULT 4.99,"
          + " last_update timestamptz NOT NULL DEFAULT now(), fulltext tsvector NOT NULL DEFAULT ''::tsvector,"
          + " CONSTRAINT film_rate_positive CHECK (rental_rate > 0))");
      s.execute("CREATE INDEX film_fulltext_idx ON film USING gist (fulltext)");
      s.execute("CREATE INDEX film_title_idx ON film (title)");
      s.execute("CREATE FUNCTION last_updated() RETURNS trigger LANGUAGE plpgsql AS"
          + " $$ BEGIN NEW.last_update = now(); RETURN NEW; END $$");
      s.execute("CREATE TRIGGER last_updated BEFORE UPDATE ON film FOR EACH ROW EXECUTE FUNCTION last_updated()");
      s.execute("CREATE TRIGGER film_fulltext_trigger BEFORE INSERT OR UPDATE ON film FOR EACH ROW"
          + " EXECUTE FUNCTION tsvector_update_trigger(fulltext, 'pg_catalog.english', title, description)");
      s.execute("INSERT INTO film (title, description, release_year, rating, rental_rate, last_update)"
          + " SELECT 'Film ' || g, 'A story of ' || md5(g::text) || ' and a dog', 1990 + g % 30,"
          + " (enum_range(NULL::mpaa_rating))[1 + g % 5], 0.99 + g % 5, timestamptz '2026-01-01' + g * interval '1 h'"
          + " FROM generate_series(1, 1000) g");
      s.execute("CREATE TABLE film_category (film_id int REFERENCES film, category_id int REFERENCES category,"
          + " PRIMARY KEY (film_id, category_id))");
      s.execute("INSERT INTO film_category SELECT g, 1 + g % 16 FROM generate_series(1, 1000) g");
      s.execute("CREATE TABLE payment (payment_id serial, film_id int NOT NULL, amount numeric(5,2) NOT NULL,"
          + " payment_date timestamptz NOT NULL, PRIMARY KEY (payment_id, payment_date)) PARTITION BY RANGE (payment_date)");
      s.execute("CREATE TABLE payment_2026_01 PARTITION OF payment FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')");
      s.execute("CREATE TABLE payment_2026_02 PARTITION OF payment FOR VALUES FROM ('2026-02-01') TO ('2026-03-01')");
      s.execute("INSERT INTO payment (film_id, amount, payment_date) SELECT 1 + g % 1000, 0.99 + g % 7,"
          + " timestamptz '2026-01-01' + g * interval '9 min' FROM generate_series(1, 5000) g");
      s.execute("CREATE VIEW film_list AS SELECT f.film_id, f.title, c.name AS category FROM film f"
          + " JOIN film_category fc USING (film_id) JOIN category c USING (category_id)");
      s.execute("CREATE MATERIALIZED VIEW sales_by_category AS SELECT c.name AS category, sum(p.amount) AS total_sales,"
          + " count(*) AS payments FROM payment p JOIN film_category fc USING (film_id) JOIN category c USING (category_id)"
          + " GROUP BY c.name");
      s.execute("CREATE UNIQUE INDEX sales_by_category_idx ON sales_by_category (category)");
      s.execute("CREATE MATERIALIZED VIEW rentals_pending AS SELECT film_id, count(*) AS n FROM payment GROUP BY film_id"
          + " WITH NO DATA");
      s.execute("CREATE FUNCTION film_in_stock(p_film_id int) RETURNS boolean LANGUAGE sql STABLE AS"
          + " $$ SELECT EXISTS (SELECT 1 FROM film WHERE film_id = p_film_id) $$");
      s.execute("CREATE TABLE staff (staff_id int PRIMARY KEY, username text NOT NULL, store int NOT NULL)");
      s.execute("INSERT INTO staff VALUES (1, 'mike', 1), (2, 'jon', 2)");
      s.execute("ALTER TABLE staff ENABLE ROW LEVEL SECURITY");
      s.execute("CREATE POLICY staff_own_store ON staff USING (store = 1)");
      s.execute("CREATE SEQUENCE invoice_numbers START 5000");
      s.execute("CREATE TABLE rental_log (film_id int, note text)");
      s.execute("INSERT INTO rental_log SELECT 1 + g % 1000, 'rented' FROM generate_series(1, 300) g");
      s.execute("GRANT SELECT ON film, film_list TO " + READER);
      s.execute("COMMENT ON TABLE film IS 'every film the shop rents'");
      s.execute("CREATE TABLE store (store_id int PRIMARY KEY, logo oid)");
      if (largeObjects) {
        s.execute("INSERT INTO store VALUES (1, lo_from_bytea(0, '\\x89504e470d0a'::bytea)),"
            + " (2, lo_from_bytea(0, decode(repeat('cd', 300000), 'hex')))");
      } else {
        s.execute("INSERT INTO store VALUES (1, NULL), (2, NULL)");
      }
      s.execute("ANALYZE");
    }
  }
}
