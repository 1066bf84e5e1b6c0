package dev.specula.service.http;

import dev.specula.runtime.json.Json;
import dev.specula.runtime.json.JsonException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Typed access to the members of a JSON request body; every mistake is a 400 naming the parameter. */
final class RequestReader {
    private final Map<String, Object> json;

    private RequestReader(Map<String, Object> json) {
        this.json = json;
    }

    static RequestReader parse(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest(null, "the request body is empty: send a JSON object");
        }
        try {
            return new RequestReader(Json.parseObject(body));
        } catch (JsonException e) {
            throw ApiException.badRequest(null, "malformed JSON in the request body: " + e.getMessage());
        }
    }

    boolean has(String name) {
        return json.get(name) != null;
    }

    Object raw(String name) {
        return json.get(name);
    }

    String string(String name, String fallback) {
        Object v = json.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof String s)) {
            throw wrongType(name, "a string");
        }
        return s;
    }

    boolean bool(String name, boolean fallback) {
        Object v = json.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw wrongType(name, "true or false");
        }
        return b;
    }

    double number(String name, double fallback) {
        Object v = json.get(name);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n)) {
            throw wrongType(name, "a number");
        }
        return n.doubleValue();
    }

    long integer(String name, long fallback) {
        Object v = json.get(name);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e18) {
            return d.longValue();
        }
        throw wrongType(name, "an integer");
    }

    int integer(String name, int fallback, int min, int max) {
        long v = integer(name, fallback);
        if (v < min || v > max) {
            throw ApiException.badRequest(name, "invalid " + name + " " + v + ": must be between " + min + " and " + max);
        }
        return (int) v;
    }

    /** A string or an array of strings (OpenAI's {@code stop}); missing gives an empty list. */
    List<String> strings(String name) {
        Object v = json.get(name);
        if (v == null) {
            return List.of();
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>(list.size());
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw wrongType(name, "a string or an array of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw wrongType(name, "a string or an array of strings");
    }

    /** The array {@code name} as a list of objects; missing or empty is an error. */
    List<RequestReader> objects(String name) {
        if (!(json.get(name) instanceof List<?> list) || list.isEmpty()) {
            throw ApiException.badRequest(name, name + " must be a non-empty array of objects");
        }
        List<RequestReader> out = new ArrayList<>(list.size());
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m)) {
                throw ApiException.badRequest(name, name + " must be a non-empty array of objects");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> member = (Map<String, Object>) m;
            out.add(new RequestReader(member));
        }
        return out;
    }

    private static ApiException wrongType(String name, String expected) {
        return ApiException.badRequest(name, "invalid " + name + ": must be " + expected);
    }
}
