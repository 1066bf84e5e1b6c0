package dev.specula.runtime.tokenizer;

import dev.specula.runtime.SpeculaException;
import dev.specula.runtime.format.ModelFormatException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads llama2.c's {@code tokenizer.bin}: int32 max_token_length, then per token float32 score,
 * int32 byte length and the bytes, little-endian. llama2.c's exporter wrote SentencePiece's U+2581 as
 * a plain space; it is put back so that pieces match the GGUF form of the same vocabulary.
 */
final class Llama2cTokenizerLoader {
    private Llama2cTokenizerLoader() {
    }

    static Tokenizer load(Path file, int vocabSize) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be positive, was " + vocabSize);
        }
        ByteBuffer in;
        try {
            in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new SpeculaException(file + ": cannot read tokenizer: " + e.getMessage(), e);
        }
        need(file, in, 4, "max_token_length");
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0) {
            throw new ModelFormatException(file, 0, "max_token_length " + maxTokenLength + " is not positive");
        }
        String[] pieces = new String[vocabSize];
        float[] scores = new float[vocabSize];
        TokenType[] types = new TokenType[vocabSize];
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int i = 0; i < vocabSize; i++) {
            int entry = in.position();
            need(file, in, 8, "token " + i + " (score and length)");
            scores[i] = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxTokenLength) {
                throw new ModelFormatException(file, entry + 4L,
                        "token " + i + " length " + length + " is outside 0.." + maxTokenLength);
            }
            need(file, in, length, "token " + i + " bytes");
            ByteBuffer bytes = in.slice(in.position(), length);
            in.position(in.position() + length);
            try {
                pieces[i] = decoder.decode(bytes).toString().replace(' ', SentencePieceTokenizer.SPACE_MARK);
            } catch (CharacterCodingException e) {
                throw new ModelFormatException(file, entry + 8L, "token " + i + " is not valid UTF-8");
            }
            types[i] = typeOf(i, pieces[i]);
        }
        // llama2.c's conventions: <unk> 0, <s> 1, </s> 2, a dummy-prefix space, BOS added by the caller.
        Vocabulary vocab = new Vocabulary(pieces, types, scores, 1, 2, 0);
        return new SentencePieceTokenizer(vocab, true, true);
    }

    private static TokenType typeOf(int id, String piece) {
        if (id == 0) {
            return TokenType.UNKNOWN;
        }
        if (id == 1 || id == 2) {
            return TokenType.CONTROL;
        }
        return Vocabulary.parseByteToken(piece) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
    }

    private static void need(Path file, ByteBuffer in, int bytes, String what) {
        if (in.remaining() < bytes) {
            throw new ModelFormatException(file, in.position(), "file ends inside " + what);
        }
    }
}
