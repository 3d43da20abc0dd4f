package dev.packetflow.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.packetflow.drill.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LexerTest {
    private static List<String> tokens(String src) {
        Lexer lx = new Lexer(src);
        List<String> out = new ArrayList<>();
        for (Token t = lx.next(); !t.is(Kind.EOF); t = lx.next()) {
            out.add(t.kind() + ":" + t.text());
        }
        return out;
    }

    @Test
    void numbers_ellipsisAndTimes() {
        assertThat(tokens("+.01...0.011")).containsExactly("PUNCT:+", "FLOAT:.01", "ELLIPSIS:...", "FLOAT:0.011");
        assertThat(tokens("0...0 +0~+.04")).containsExactly("INT:0", "ELLIPSIS:...", "INT:0", "PUNCT:+", "INT:0", "PUNCT:~",
                "PUNCT:+", "FLOAT:.04");
        assertThat(tokens("0x2 -1 1:1001(1000)")).containsExactly("INT:0x2", "PUNCT:-", "INT:1", "INT:1", "PUNCT::", "INT:1001",
                "PUNCT:(", "INT:1000", "PUNCT:)");
        assertThat(new Lexer("0x802").next().value()).isEqualTo(0x802);
        assertThat(tokens("192.0.2.1 1.5")).containsExactly("IPV4:192.0.2.1", "FLOAT:1.5");
    }

    @Test
    void commentsStringsShellAndCode_withLineNumbers() {
        Lexer lx = new Lexer("// c\n/* a\n b */ \"x\\n\\\"y\\x41\\101\" `sh\n cmd` %{ a\n}% --tolerance_usecs=5 word_1");
        Token s = lx.next();
        assertThat(s.kind()).isEqualTo(Kind.STRING);
        assertThat(s.text()).isEqualTo("x\n\"yAA");
        assertThat(s.line()).isEqualTo(3);
        Token sh = lx.next();
        assertThat(sh.kind()).isEqualTo(Kind.SHELL);
        assertThat(sh.text()).isEqualTo("sh\n cmd");
        Token code = lx.next();
        assertThat(code.kind()).isEqualTo(Kind.CODE);
        assertThat(code.line()).isEqualTo(4);
        Token opt = lx.next();
        assertThat(opt.kind()).isEqualTo(Kind.OPTION);
        assertThat(opt.text()).isEqualTo("--tolerance_usecs=5");
        assertThat(opt.line()).isEqualTo(5);
        assertThat(lx.next().text()).isEqualTo("word_1");
    }

    @Test
    void rawReads_forFlagsAndFreeText() {
        Lexer lx = new Lexer("  .5 1:1(0) (Connection reset (by peer)) x");
        assertThat(lx.peek().text()).isEqualTo(".5");
        assertThat(lx.rawWord().text()).isEqualTo(".5");
        assertThat(lx.next().text()).isEqualTo("1");
        lx.next();
        lx.next();
        lx.next();
        lx.next();
        lx.next();
        assertThat(lx.rawParenText().text()).isEqualTo("Connection reset (by peer)");
        assertThat(lx.next().text()).isEqualTo("x");
    }

    @Test
    void defines_andErrors() {
        Lexer lx = new Lexer("CODE COOKIE N");
        lx.define("CODE", "host_unreachable");
        lx.define("COOKIE", "\"abc\"");
        lx.define("N", "0x10");
        assertThat(lx.next().text()).isEqualTo("host_unreachable");
        assertThat(lx.next().kind()).isEqualTo(Kind.STRING);
        assertThat(lx.next().value()).isEqualTo(16);
        assertThatThrownBy(() -> new Lexer("\"open").next()).hasMessageContaining("unterminated string");
        assertThatThrownBy(() -> new Lexer("`open").next()).hasMessageContaining("unterminated ` shell command");
        assertThatThrownBy(() -> new Lexer("%{ open").next()).hasMessageContaining("unterminated %{ code block");
    }
}
