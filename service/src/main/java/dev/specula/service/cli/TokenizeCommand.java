package dev.specula.service.cli;

import dev.specula.runtime.model.Model;
import dev.specula.runtime.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** Prints the token ids of a text. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Print the token ids of a text, space-separated.")
public final class TokenizeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--text", required = true, description = "Text to tokenize.")
    String text;

    @Option(names = "--bos", description = "Prepend BOS as generation does, when the vocabulary uses it.")
    boolean bos;

    @Option(names = "--pieces", description = "Print each token as id:piece on its own line.")
    boolean pieces;

    @Override
    public Integer call() {
        try (Model model = modelOptions.loadModel()) {
            Tokenizer tokenizer = model.tokenizer();
            int[] ids = tokenizer.encode(text);
            StringJoiner line = new StringJoiner(" ");
            if (bos && tokenizer.addBos() && tokenizer.bos() >= 0) {
                print(tokenizer, tokenizer.bos(), line);
            }
            for (int id : ids) {
                print(tokenizer, id, line);
            }
            if (!pieces) {
                System.out.println(line);
            }
        }
        return 0;
    }

    private void print(Tokenizer tokenizer, int id, StringJoiner line) {
        if (pieces) {
            System.out.println(id + ":" + tokenizer.piece(id));
        } else {
            line.add(Integer.toString(id));
        }
    }
}
