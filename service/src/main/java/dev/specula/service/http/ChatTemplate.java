package dev.specula.service.http;

import java.util.List;

/**
 * Turns chat messages into one prompt. The model's GGUF {@code tokenizer.chat_template} (a Jinja
 * template) is not executed: it is recognised as one of a few well-known formats by its markers, and
 * anything else falls back to {@link #PLAIN}. Markers such as {@code <|im_start|>} are tokenized as
 * text, as the tokenizers do not parse special tokens out of prompts.
 */
public enum ChatTemplate {
    /** {@code <|im_start|>role\ncontent<|im_end|>} (Qwen, many fine-tunes). */
    CHATML(List.of("<|im_end|>", "<|im_start|>")),
    /** Zephyr: {@code <|user|>\ncontent</s>}. */
    ZEPHYR(List.of("</s>", "<|user|>")),
    /** Llama 2 chat: {@code [INST] <<SYS>>...<</SYS>> user [/INST] answer}. */
    LLAMA2(List.of("[INST]")),
    /** The default: "System: ...\nUser: ...\nAssistant:", stopping where the model starts the user's next turn. */
    PLAIN(List.of("\nUser:"));

    /** GGUF metadata key of the template. */
    public static final String METADATA_KEY = "tokenizer.chat_template";

    private final List<String> stops;

    ChatTemplate(List<String> stops) {
        this.stops = stops;
    }

    /** Recognises {@code template} (the metadata value, may be null or not a string). */
    public static ChatTemplate detect(Object template) {
        if (!(template instanceof String t)) {
            return PLAIN;
        }
        if (t.contains("<|im_start|>")) {
            return CHATML;
        }
        if (t.contains("<|user|>")) {
            return ZEPHYR;
        }
        if (t.contains("[INST]")) {
            return LLAMA2;
        }
        return PLAIN;
    }

    /** Strings that end the assistant's turn; added to the request's own stop strings. */
    public List<String> stops() {
        return stops;
    }

    /** The prompt for {@code messages}, ending where the assistant's answer begins. */
    public String render(List<ChatMessage> messages) {
        StringBuilder out = new StringBuilder();
        switch (this) {
            case CHATML -> {
                for (ChatMessage m : messages) {
                    out.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
                }
                out.append("<|im_start|>assistant\n");
            }
            case ZEPHYR -> {
                for (ChatMessage m : messages) {
                    out.append("<|").append(m.role()).append("|>\n").append(m.content()).append("</s>\n");
                }
                out.append("<|assistant|>\n");
            }
            case LLAMA2 -> renderLlama2(messages, out);
            case PLAIN -> {
                for (ChatMessage m : messages) {
                    out.append(capitalized(m.role())).append(": ").append(m.content()).append('\n');
                }
                out.append("Assistant:");
            }
        }
        return out.toString();
    }

    /** The system prompt goes inside the first [INST] block; each user turn opens one, each answer closes it. */
    private static void renderLlama2(List<ChatMessage> messages, StringBuilder out) {
        String system = null;
        boolean open = false;
        for (ChatMessage m : messages) {
            switch (m.role()) {
                case "system" -> system = m.content();
                case "assistant" -> {
                    out.append(' ').append(m.content()).append(' ');
                    open = false;
                }
                default -> {
                    out.append("[INST] ");
                    if (system != null) {
                        out.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
                        system = null;
                    }
                    out.append(m.content()).append(" [/INST]");
                    open = true;
                }
            }
        }
        if (!open) {
            out.append("[INST] [/INST]");
        }
    }

    private static String capitalized(String role) {
        return role.isEmpty() ? role : Character.toUpperCase(role.charAt(0)) + role.substring(1);
    }
}
