package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import java.io.IOException;
import java.time.Duration;

/** The one mapper that binds plans: durations in the plan's own spelling, unknown keys refused. */
final class PlanJson {

  private PlanJson() {}

  static ObjectMapper mapper() {
    SimpleModule durations = new SimpleModule("cutover-durations")
        .addDeserializer(Duration.class, new StdScalarDeserializer<>(Duration.class) {
          @Override
          public Duration deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            return Durations.parse(parser.getValueAsString());
          }
        })
        .addSerializer(Duration.class, new StdScalarSerializer<>(Duration.class) {
          @Override
          public void serialize(Duration value, JsonGenerator generator, SerializerProvider provider)
              throws IOException {
            generator.writeString(Durations.format(value));
          }
        });
    return new ObjectMapper()
        .registerModule(durations)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
        .setSerializationInclusion(JsonInclude.Include.NON_NULL);
  }
}
