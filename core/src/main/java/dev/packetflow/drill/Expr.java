package dev.packetflow.drill;

import java.util.List;

/**
 * An argument or result of a system-call line (GRAMMAR.md section 4): integers, symbolic
 * constants, {@code A|B}, strings, {@code ...}, {@code [..]} (a pointer to an int, or an array),
 * {@code {..}} structs with named or positional fields, and the helper calls {@code htons(8080)} and
 * {@code inet_addr("192.0.2.1")}.
 */
public sealed interface Expr {
    /** An integer literal ({@code 1000}, {@code -1}, {@code 0x2}). */
    record Int(long value) implements Expr {
        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /** A symbolic constant such as {@code SOCK_STREAM}, {@code NULL} or an errno name. */
    record Name(String name) implements Expr {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A string literal: a byte buffer. */
    record Str(String value) implements Expr {
        @Override
        public String toString() {
            return "\"" + value + "\"";
        }
    }

    /** {@code ...}: "the default" or "don't care". */
    record Ellipsis() implements Expr {
        @Override
        public String toString() {
            return "...";
        }
    }

    /** {@code A|B|C}. */
    record Or(List<Expr> terms) implements Expr {
        @Override
        public String toString() {
            return String.join("|", terms.stream().map(Object::toString).toList());
        }
    }

    /** {@code [a, b]}: a pointer to an int ({@code [1]}) or an array ({@code [{..}, {..}]}). */
    record Array(List<Expr> items) implements Expr {
        @Override
        public String toString() {
            return "[" + String.join(", ", items.stream().map(Object::toString).toList()) + "]";
        }
    }

    /**
     * One field of a struct: {@code name=value}, {@code name(index)=value} (as in
     * {@code msg_iov(1)=[...]}) or a positional {@code value} (name null).
     */
    record Field(String name, Expr index, Expr value) {
        @Override
        public String toString() {
            if (name == null) {
                return value.toString();
            }
            return name + (index == null ? "" : "(" + index + ")") + "=" + value;
        }
    }

    /** {@code {a=1, b=2}} or {@code {..., 1000}}. */
    record Struct(List<Field> fields) implements Expr {
        /** The value of the field called {@code name}, or null. */
        public Expr field(String name) {
            for (Field f : fields) {
                if (name.equals(f.name())) {
                    return f.value();
                }
            }
            return null;
        }

        /** The {@code i}th positional field (unnamed), or null. */
        public Expr positional(int i) {
            int n = 0;
            for (Field f : fields) {
                if (f.name() == null && n++ == i) {
                    return f.value();
                }
            }
            return null;
        }

        @Override
        public String toString() {
            return "{" + String.join(", ", fields.stream().map(Field::toString).toList()) + "}";
        }
    }

    /** {@code htons(8080)}, {@code inet_addr("192.0.2.1")}. */
    record Call(String function, List<Expr> args) implements Expr {
        @Override
        public String toString() {
            return function + "(" + String.join(", ", args.stream().map(Object::toString).toList()) + ")";
        }
    }
}
