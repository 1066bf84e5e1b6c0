package dev.specula.service.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChatTemplateTest {
    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("system", "Be brief."),
            new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello."), new ChatMessage("user", "Bye"));

    @Test
    void recognisesKnownTemplatesByTheirMarkers() {
        assertEquals(ChatTemplate.CHATML, ChatTemplate.detect(
                "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>'}}{% endfor %}"));
        assertEquals(ChatTemplate.ZEPHYR, ChatTemplate.detect("{% if message['role'] == 'user' %}{{ '<|user|>\\n' }}"));
        assertEquals(ChatTemplate.LLAMA2, ChatTemplate.detect("{{ bos_token + '[INST] ' + content + ' [/INST]' }}"));
        assertEquals(ChatTemplate.PLAIN, ChatTemplate.detect("{{ something else }}"));
        assertEquals(ChatTemplate.PLAIN, ChatTemplate.detect(null));
        assertEquals(ChatTemplate.PLAIN, ChatTemplate.detect(42L));
    }

    @Test
    void rendersEachFormat() {
        assertEquals("System: Be brief.\nUser: Hi\nAssistant: Hello.\nUser: Bye\nAssistant:", ChatTemplate.PLAIN.render(CHAT));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
                ChatTemplate.CHATML.render(CHAT));
        assertEquals("<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello.</s>\n<|user|>\nBye</s>\n"
                + "<|assistant|>\n", ChatTemplate.ZEPHYR.render(CHAT));
        assertEquals("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. [INST] Bye [/INST]",
                ChatTemplate.LLAMA2.render(CHAT));
    }

    @Test
    void stopsWhereTheNextTurnWouldStart() {
        assertEquals(List.of("\nUser:"), ChatTemplate.PLAIN.stops());
        assertEquals("<|im_end|>", ChatTemplate.CHATML.stops().getFirst());
    }
}
