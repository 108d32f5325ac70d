package dev.cutover.workflow;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes a move keeps current, so a Temporal UI can list moves by phase. They must be
 * registered on the server (the embedded dev server does it at start); a client that cannot set them
 * starts the move without them and the workflow then leaves them alone.
 */
public final class CutoverSearchAttributes {

  public static final SearchAttributeKey<String> APP = SearchAttributeKey.forKeyword("CutoverApp");
  public static final SearchAttributeKey<String> PHASE = SearchAttributeKey.forKeyword("CutoverPhase");

  public static final List<SearchAttributeKey<?>> ALL = List.of(APP, PHASE);

  private CutoverSearchAttributes() {}
}
