package dev.cutover.verify;

import com.fasterxml.jackson.annotation.JsonIgnore;

/** An object that differs between the two sides, and how: "trigger t on public.film: missing on arm". */
public record ObjectDifference(String kind, String name, String difference) {

  @JsonIgnore
  public String describe() {
    return kind + " " + name + ": " + difference;
  }
}
