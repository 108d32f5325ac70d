package dev.cutover.realapps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * MediaWiki 1.39 (Debian's {@code mediawiki} with {@code php8.2-pgsql}), served by PHP's built-in web
 * server with four workers. Installed on the source by its own {@code maintenance/install.php}, which creates
 * the {@code mediawiki} schema (58 tables, 5 of them without a primary key, 24 sequences, triggers) as the
 * app's role. Each box has its own {@code LocalSettings.php} (found through {@code MW_CONFIG_FILE}) that
 * differs only in the database port and the {@code X-Served-By} header it sends.
 *
 * <p>Writes go through the action API the way a bot does: log in ({@code clientlogin} with a login token),
 * fetch a CSRF token for the session, then one {@code action=edit} creating a new page per write. The
 * session lives in the wiki's database (its object cache), so it moves with the data.
 */
final class MediaWiki implements RealApp {

  static final Path ROOT = Path.of("/usr/share/mediawiki");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN = "Admin";
  private static final String ADMIN_PASSWORD = "cutover-wiki-admin-pw";
  private final Map<String, Path> settings = new HashMap<>();

  @Override
  public String name() {
    return "mediawiki";
  }

  @Override
  public String role() {
    return "wiki";
  }

  @Override
  public String database() {
    return "wiki";
  }

  @Override
  public String schema() {
    return "mediawiki";
  }

  @Override
  public void install(Box home, Box arm, URI publicUrl) throws Exception {
    Packages.require("MediaWiki", List.of("mediawiki", "php8.2-cli", "php8.2-pgsql"));
    home.createRole(role());
    arm.createRole(role());
    home.createDatabase(database(), role());
    Path installed = home.dir().resolve("mediawiki-install");
    Files.createDirectories(installed);
    SetupCommand.run(List.of("php", "maintenance/install.php", "--dbtype=postgres", "--dbserver=127.0.0.1",
        "--dbport=" + home.cluster().port(), "--dbname=" + database(), "--dbuser=" + role(),
        "--dbpass=" + Box.APP_PASSWORD, "--installdbuser=" + role(), "--installdbpass=" + Box.APP_PASSWORD,
        "--dbschema=" + schema(), "--confpath=" + installed, "--server=" + publicUrl.toString().replaceAll("/$", ""),
        "--scriptpath=", "--pass=" + ADMIN_PASSWORD, "Move Wiki", ADMIN),
        Map.of(), ROOT, installed.resolve("install.log"), Duration.ofMinutes(5));
    String generated = Files.readString(installed.resolve("LocalSettings.php"));
    String portLine = "$wgDBport = \"" + home.cluster().port() + "\";";
    if (!generated.contains(portLine)) {
      throw new IllegalStateException("install.php wrote no " + portLine + " line");
    }
    for (Box box : List.of(home, arm)) {
      Path dir = box.dir().resolve("mediawiki");
      Files.createDirectories(dir);
      Path file = dir.resolve("LocalSettings.php");
      Files.writeString(file, generated.replace(portLine, "$wgDBport = \"" + box.cluster().port() + "\";")
          + "\n# This box's identity, for the move's health check.\nheader( 'X-Served-By: " + box.name() + "' );\n");
      settings.put(box.name(), file);
    }
    try (Connection c = home.connectAs(role(), database())) {
      Pgbench.createTable(c, schema());
    }
  }

  @Override
  public AppProcess process(Box box) {
    Path dir = box.dir().resolve("mediawiki");
    return new AppProcess(box.name() + "-app",
        List.of("php", "-S", "127.0.0.1:" + box.appPort(), "-t", ROOT.toString()),
        Map.of("MW_CONFIG_FILE", settings.get(box.name()).toString(), "PHP_CLI_SERVER_WORKERS", "4"), ROOT,
        dir.resolve("server.log"), URI.create("http://127.0.0.1:" + box.appPort() + healthPath()),
        Duration.ofMinutes(1), () -> { });
  }

  @Override
  public String healthPath() {
    return "/api.php?action=query&prop=info&titles=Main_Page&format=json";
  }

  @Override
  public String healthBody() {
    return "\"pageid\":1,";
  }

  @Override
  public Client client(URI publicUrl) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
        .connectTimeout(Duration.ofSeconds(5)).build();
    URI api = publicUrl.resolve("/api.php");
    Session session = new Session(http, api);
    session.logIn();
    return new Client() {
      @Override
      public Ack write(int seq) throws Exception {
        String title = "Load/" + seq + "-" + UUID.randomUUID();
        JsonNode answer = session.post(Map.of("action", "edit", "title", title, "text", "Written by the load, #" + seq,
            "summary", "load", "createonly", "1", "token", session.csrf, "format", "json"));
        JsonNode edit = answer.path("edit");
        if (!"Success".equals(edit.path("result").asText()) || !edit.path("newrevid").isNumber()) {
          if ("badtoken".equals(answer.path("error").path("code").asText())) {
            session.logIn(); // the next write gets a fresh session; this one failed
          }
          throw new IllegalStateException("action=edit: " + Load.abbreviate(answer.toString()));
        }
        return new Ack(edit.path("newrevid").asLong(), edit.path("title").asText().replace(' ', '_'));
      }

      @Override
      public String readBack(Ack ack) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "?action=query&prop=revisions"
            + "&revids=" + ack.id() + "&format=json")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        JsonNode pages = JSON.readTree(r.body()).path("query").path("pages");
        String title = pages.isObject() && pages.size() == 1 ? pages.elements().next().path("title").asText() : null;
        if (r.statusCode() != 200 || title == null || !ack.key().equals(title.replace(' ', '_'))) {
          throw new AssertionError("revision " + ack.id() + ": HTTP " + r.statusCode() + " " + Load.abbreviate(r.body()));
        }
        return r.headers().firstValue("X-Served-By").orElse(null);
      }
    };
  }

  /** A logged-in API session: its cookies live in the client, its CSRF token here. */
  private static final class Session {
    private final HttpClient http;
    private final URI api;
    private volatile String csrf;

    Session(HttpClient http, URI api) {
      this.http = http;
      this.api = api;
    }

    void logIn() throws Exception {
      String loginToken = get("action=query&meta=tokens&type=login&format=json")
          .path("query").path("tokens").path("logintoken").asText();
      JsonNode login = post(Map.of("action", "clientlogin", "username", ADMIN, "password", ADMIN_PASSWORD,
          "logintoken", loginToken, "loginreturnurl", api.toString(), "format", "json"));
      if (!"PASS".equals(login.path("clientlogin").path("status").asText())) {
        throw new IllegalStateException("clientlogin: " + Load.abbreviate(login.toString()));
      }
      csrf = get("action=query&meta=tokens&format=json").path("query").path("tokens").path("csrftoken").asText();
    }

    JsonNode get(String query) throws Exception {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "?" + query))
          .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofString());
      return parse(r);
    }

    JsonNode post(Map<String, String> form) throws Exception {
      Map<String, String> ordered = new LinkedHashMap<>(form);
      String body = ordered.entrySet().stream()
          .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
              + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
          .collect(Collectors.joining("&"));
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(api).timeout(Duration.ofSeconds(120))
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      return parse(r);
    }

    private static JsonNode parse(HttpResponse<String> r) throws Exception {
      if (r.statusCode() != 200) {
        throw new IllegalStateException("api.php: HTTP " + r.statusCode() + " " + Load.abbreviate(r.body()));
      }
      return JSON.readTree(r.body());
    }
  }

  @Override
  public List<Ack> missing(Connection live, List<Ack> acks) throws SQLException {
    Map<Long, String> found = new HashMap<>();
    try (PreparedStatement s = live.prepareStatement("SELECT r.rev_id, p.page_title FROM mediawiki.revision r"
        + " JOIN mediawiki.page p ON p.page_id = r.rev_page WHERE r.rev_id = ANY(?)")) {
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

  @Override
  public void close() {
    // Everything it wrote is inside the boxes' directories.
  }
}
