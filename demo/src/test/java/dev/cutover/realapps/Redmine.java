package dev.cutover.realapps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Redmine 5.0 (Debian's {@code redmine} and {@code redmine-pgsql}), a Rails app, served by Thin as
 * {@code bin/rails server} in the foreground. Each box is a Debian Redmine instance: a directory with its
 * own {@code config/database.yml}, reached from {@code /usr/share/redmine/instances} (Debian's
 * {@code /var/lib/redmine}) by a symlink that {@link #close()} removes. Its {@code config.ru} wraps the app
 * to answer with {@code X-Served-By: <box>}, the box's identity the plan's health check looks for (what an
 * {@code add_header} in the box's web server does on a real deployment).
 *
 * <p>Writes are the REST API's: a new issue in project {@code move} per write, with the admin's API key.
 */
final class Redmine implements RealApp {

  static final Path ROOT = Path.of("/usr/share/redmine");
  private static final Path INSTANCES = Path.of("/var/lib/redmine");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROJECT = "move";

  private final String tag = Long.toHexString(System.nanoTime());
  private final List<Path> links = new ArrayList<>();
  private final Map<String, Path> instanceDirs = new HashMap<>();
  private String apiKey;
  private int projectId;

  @Override
  public String name() {
    return "redmine";
  }

  @Override
  public String role() {
    return "redmine";
  }

  @Override
  public String database() {
    return "redmine";
  }

  @Override
  public String schema() {
    return "public";
  }

  private String instance(Box box) {
    return "cutover-" + box.name() + "-" + tag;
  }

  @Override
  public void install(Box home, Box arm, URI publicUrl) throws Exception {
    Packages.require("Redmine", List.of("redmine", "redmine-pgsql", "thin"));
    home.createRole(role());
    arm.createRole(role());
    home.createDatabase(database(), role());
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    for (Box box : List.of(home, arm)) {
      Path dir = box.dir().resolve("redmine");
      for (String sub : List.of("config", "log", "tmp", "files", "public")) {
        Files.createDirectories(dir.resolve(sub));
      }
      Files.writeString(dir.resolve("config/database.yml"), "production:\n  adapter: postgresql\n  host: 127.0.0.1\n"
          + "  port: " + box.cluster().port() + "\n  database: " + database() + "\n  username: " + role()
          + "\n  password: " + Box.APP_PASSWORD + "\n  encoding: utf8\n");
      // One secret for both boxes: the same deployment, so session cookies stay valid across the move.
      Files.writeString(dir.resolve("config/secret_key.txt"), HexFormat.of().formatHex(secret) + "\n");
      Files.writeString(dir.resolve("config.ru"), """
          require '/usr/share/redmine/config/environment'
          served_by = %s
          use(Class.new do
            define_method(:initialize) { |app| @app = app }
            define_method(:call) do |env|
              status, headers, body = @app.call(env)
              headers['X-Served-By'] = served_by
              [status, headers, body]
            end
          end)
          run Rails.application
          """.formatted(rubyString(box.name())));
      Path link = INSTANCES.resolve(instance(box));
      Files.createSymbolicLink(link, dir);
      links.add(link);
      instanceDirs.put(box.name(), dir);
    }
    Path log = home.dir().resolve("redmine/log/setup.log");
    Map<String, String> env = Map.of("REDMINE_INSTANCE", instance(home), "RAILS_ENV", "production");
    SetupCommand.run(List.of("bin/rake", "db:migrate"), env, ROOT, log, Duration.ofMinutes(5));
    Path setup = home.dir().resolve("redmine/setup.rb");
    Files.writeString(setup, """
        Redmine::DefaultData::Loader.load('en') if Redmine::DefaultData::Loader.no_data?
        Setting.rest_api_enabled = '1'
        admin = User.find_by_login('admin')
        admin.update_columns(must_change_passwd: false)
        project = Project.find_by_identifier('%s') || Project.create!(name: 'Move', identifier: '%s',
          is_public: true, tracker_ids: Tracker.pluck(:id), enabled_module_names: %%w[issue_tracking])
        puts "PROJECT=#{project.id}"
        puts "KEY=#{admin.api_key}"
        """.formatted(PROJECT, PROJECT));
    String out = SetupCommand.run(List.of("bin/rails", "runner", setup.toString()), env, ROOT, log,
        Duration.ofMinutes(5));
    for (String line : out.split("\n")) {
      if (line.startsWith("KEY=")) {
        apiKey = line.substring(4).strip();
      } else if (line.startsWith("PROJECT=")) {
        projectId = Integer.parseInt(line.substring(8).strip());
      }
    }
    if (apiKey == null || projectId == 0) {
      throw new IllegalStateException("Redmine's setup printed no API key or project: " + out);
    }
    try (Connection c = home.connectAs(role(), database())) {
      Pgbench.createTable(c, schema());
    }
  }

  @Override
  public AppProcess process(Box box) {
    Path dir = instanceDirs.get(box.name());
    Path pid = dir.resolve("tmp/server.pid");
    return new AppProcess(box.name() + "-app",
        List.of("bin/rails", "server", "-c", dir.resolve("config.ru").toString(), "-e", "production",
            "-b", "127.0.0.1", "-p", String.valueOf(box.appPort()), "-P", pid.toString()),
        Map.of("REDMINE_INSTANCE", instance(box), "RAILS_ENV", "production"), ROOT, dir.resolve("log/server.out"),
        URI.create("http://127.0.0.1:" + box.appPort() + healthPath()), Duration.ofMinutes(3),
        // Rails refuses to start over a pid file a killed server left behind.
        () -> {
          try {
            Files.deleteIfExists(pid);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  @Override
  public String healthPath() {
    return "/projects/" + PROJECT + ".json";
  }

  @Override
  public String healthBody() {
    return "\"identifier\":\"" + PROJECT + "\"";
  }

  @Override
  public Client client(URI publicUrl) {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    return new Client() {
      @Override
      public Ack write(int seq) throws Exception {
        String subject = "load " + seq + " " + UUID.randomUUID();
        ObjectNode body = JSON.createObjectNode();
        body.putObject("issue").put("project_id", projectId).put("subject", subject);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(publicUrl.resolve("/issues.json"))
            .timeout(Duration.ofSeconds(120))
            .header("X-Redmine-API-Key", apiKey)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
          throw new IllegalStateException("POST /issues.json: HTTP " + r.statusCode() + " " + Load.abbreviate(r.body()));
        }
        JsonNode issue = JSON.readTree(r.body()).path("issue");
        if (!subject.equals(issue.path("subject").asText())) {
          throw new IllegalStateException("POST /issues.json answered another issue: " + Load.abbreviate(r.body()));
        }
        return new Ack(issue.path("id").asLong(), subject);
      }

      @Override
      public String readBack(Ack ack) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(publicUrl.resolve("/issues/" + ack.id() + ".json"))
            .timeout(Duration.ofSeconds(30)).header("X-Redmine-API-Key", apiKey).build(),
            HttpResponse.BodyHandlers.ofString());
        String subject = r.statusCode() == 200 ? JSON.readTree(r.body()).path("issue").path("subject").asText() : null;
        if (!ack.key().equals(subject)) {
          throw new AssertionError("GET /issues/" + ack.id() + ".json: HTTP " + r.statusCode() + " "
              + Load.abbreviate(r.body()));
        }
        return r.headers().firstValue("X-Served-By").orElse(null);
      }
    };
  }

  @Override
  public List<Ack> missing(Connection live, List<Ack> acks) throws SQLException {
    Map<Long, String> found = new HashMap<>();
    try (PreparedStatement s = live.prepareStatement("SELECT id, subject FROM public.issues WHERE id = ANY(?)")) {
      Array ids = live.createArrayOf("bigint", acks.stream().map(Ack::id).toArray());
      s.setArray(1, ids);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          found.put(rs.getLong(1), rs.getString(2));
        }
      }
    }
    return acks.stream().filter(a -> !a.key().equals(found.get(a.id()))).toList();
  }

  private static String rubyString(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  @Override
  public void close() {
    for (Path link : links) {
      try {
        Files.deleteIfExists(link);
      } catch (IOException e) {
        System.err.println("cleanup: cannot remove " + link + ": " + e.getMessage());
      }
    }
  }
}
