package dev.cutover.plan;

/** Where a value sits in the plan, spelled the way errors print it: {@code settle.guards[1].sql}. */
record YamlPath(String text) {

  static final YamlPath ROOT = new YamlPath("");

  YamlPath key(String key) {
    return new YamlPath(text.isEmpty() ? key : text + "." + key);
  }

  YamlPath index(int index) {
    return new YamlPath(text + "[" + index + "]");
  }

  @Override
  public String toString() {
    return text;
  }
}
