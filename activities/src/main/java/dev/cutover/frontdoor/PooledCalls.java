package dev.cutover.frontdoor;

import java.io.IOException;
import java.io.InterruptedIOException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A front door's API calls over pooled connections. Servers close a connection left idle (Caddy's admin
 * after 60 s, measured on 2.6.2), and OkHttp reuses a pooled connection for a GET without first reading
 * from it, so the first read after a long wait fails on a connection already closed: in a move at L the hold
 * came minutes after the last admin call, its first attempt failed so every time, and Temporal's retry
 * added a second. A read is sent again once, on a new connection. A write is not (the client does not
 * retry connection failures, on purpose): each write here follows a read that has just used a live
 * connection, and a write whose answer was lost is re-read by the activity's retry before it is sent again.
 */
final class PooledCalls {

  private PooledCalls() {}

  static Response execute(OkHttpClient http, Request request) throws IOException {
    try {
      return http.newCall(request).execute();
    } catch (IOException stale) {
      // A timeout is not a closed connection: sent again, a hung server would cost the call's time twice.
      if (!request.method().equals("GET") || stale instanceof InterruptedIOException) {
        throw stale;
      }
      http.connectionPool().evictAll(); // the other idle ones are as old
      return http.newCall(request).execute();
    }
  }
}
