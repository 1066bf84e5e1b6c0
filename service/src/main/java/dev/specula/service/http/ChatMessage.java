package dev.specula.service.http;

/** One turn of a chat request: role (system, user, assistant) and its text. */
public record ChatMessage(String role, String content) {
}
