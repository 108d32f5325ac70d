package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plan's shape, read off the record classes and their Jackson annotations. The validator and the
 * schema both ask here, so neither can drift from what Jackson will actually bind.
 */
final class Model {

  private Model() {}

  /** One key a record accepts: its YAML name, its Java type, and whether the plan must give it. */
  record Field(Class<?> owner, String key, Type type, boolean required) {}

  static List<Field> fields(Class<?> record) {
    return Arrays.stream(record.getRecordComponents()).map(c -> field(record, c)).toList();
  }

  private static Field field(Class<?> record, RecordComponent component) {
    JsonProperty property = component.getAccessor().getAnnotation(JsonProperty.class);
    String key = property == null || property.value().isEmpty() ? component.getName() : property.value();
    return new Field(record, key, component.getGenericType(), property != null && property.required());
  }

  static boolean isPolymorphic(Class<?> type) {
    return type.isInterface() && type.isAnnotationPresent(JsonTypeInfo.class);
  }

  /** The discriminator key, e.g. {@code type}. */
  static String typeKey(Class<?> polymorphic) {
    return polymorphic.getAnnotation(JsonTypeInfo.class).property();
  }

  /** Discriminator value to subtype, in declaration order. */
  static Map<String, Class<?>> subtypes(Class<?> polymorphic) {
    Map<String, Class<?>> subtypes = new LinkedHashMap<>();
    for (JsonSubTypes.Type subtype : polymorphic.getAnnotation(JsonSubTypes.class).value()) {
      subtypes.put(subtype.name(), subtype.value());
    }
    return subtypes;
  }

  /** How the plan spells each constant: its {@code @JsonProperty} name, else the Java name. */
  static List<String> enumNames(Class<?> enumType) {
    return Arrays.stream(enumType.getEnumConstants())
        .map(constant -> enumName(enumType, (Enum<?>) constant))
        .toList();
  }

  private static String enumName(Class<?> enumType, Enum<?> constant) {
    try {
      JsonProperty property = enumType.getField(constant.name()).getAnnotation(JsonProperty.class);
      return property == null ? constant.name() : property.value();
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException(e); // every constant is a public field
    }
  }

  /** "FrontDoor" becomes "front-door", for messages about a polymorphic type. */
  static String humanName(Class<?> type) {
    return type.getSimpleName().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
  }

  static Class<?> raw(Type type) {
    return type instanceof ParameterizedType parameterized
        ? (Class<?>) parameterized.getRawType()
        : (Class<?>) type;
  }

  static Type argument(Type type, int index) {
    return ((ParameterizedType) type).getActualTypeArguments()[index];
  }
}
