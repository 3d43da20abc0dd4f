package dev.packetflow.apps;

import dev.packetflow.net.socket.TcpSocket;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Set;

/**
 * A small HTTP/1.1 origin server (RFC 9112 message syntax, RFC 9110 semantics), one connection
 * per call to {@link #serve}: requests are read one after another on the connection (so pipelined
 * requests work) until either side asks for {@code Connection: close}, the client goes away, or it
 * stays idle past the socket's read timeout.
 *
 * <h2>Resources</h2>
 * <ul>
 * <li>{@code /} (and {@code /index.html}): an HTML page naming packetflow and its services.
 * <li>{@code /bytes/N}: N bytes ({@code application/octet-stream}, 0 to 2<sup>40</sup>) of the
 *     chargen stream ({@link TcpServices#chargen(long, byte[], int, int)}), streamed as they are
 *     sent, for large downloads whose content a client can check.
 * </ul>
 * Only GET and HEAD (HEAD: GET's headers, no body). Other methods of RFC 9110 get 405 with
 * {@code Allow: GET, HEAD}, unknown ones 501; other paths 404.
 *
 * <h2>Parsing, strictly</h2>
 * 400 (and close) for a malformed request line (not method SP target SP version, a method that is
 * not a token, a target that is not origin-form or absolute-form), malformed header fields
 * (no colon, whitespace before the colon, obsolete line folding, a name that is not a token, a
 * control character in a value), an HTTP/1.1 request without exactly one Host, a bad or repeated
 * Content-Length. 505 for a version other than HTTP/1.x.
 * Limits: request line 8 KiB (414 URI Too Long), header section 32 KiB and 100 fields (431).
 * A bare LF ends a line as well as CR LF (RFC 9112 §2.2); empty lines before a request are
 * skipped.
 *
 * <h2>Request bodies</h2>
 * No resource takes a body; one that comes is read and discarded (up to {@link #MAX_BODY}, 413
 * beyond), so that the next request on the connection is read from where it starts. Its length is
 * the Content-Length, or the chunked coding's (RFC 9112 §7.1): chunk sizes in hex, chunk
 * extensions checked against the grammar and ignored, the trailer section read and dropped. The
 * framing rules of RFC 9112 §6 are kept: Transfer-Encoding with Content-Length, Transfer-Encoding
 * in an HTTP/1.0 request, or codings that do not end in chunked are 400 (the body's end cannot be
 * known); a coding the server does not decode before chunked (gzip, chunked) is 501; a malformed
 * chunk is 400. All of these close the connection.
 */
public final class HttpServer {
    public static final int MAX_REQUEST_LINE = 8192;
    public static final int MAX_HEADER_BYTES = 32768;
    public static final int MAX_HEADER_FIELDS = 100;
    public static final int MAX_BODY = 1 << 20;
    /** A chunk-size line with its extensions (RFC 9112 §7.1.1 sets no limit; 400 beyond this). */
    public static final int MAX_CHUNK_LINE = 4096;
    /** Requests on one connection before the server closes it (keeps one client from holding it forever). */
    public static final int MAX_REQUESTS_PER_CONNECTION = 10_000;
    public static final long MAX_BYTES_RESOURCE = 1L << 40;
    static final String SERVER = "packetflow";
    private static final Set<String> KNOWN_METHODS = Set.of("POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT);

    static final String INDEX = """
            <!DOCTYPE html>
            <html>
            <head><title>packetflow</title></head>
            <body>
            <h1>packetflow</h1>
            <p>This page was served by packetflow, a userspace TCP/IP stack for the JVM built on the
            architecture of the Linux kernel's networking stack: HTTP/1.1 over its own TCP, IPv4 and
            Ethernet.</p>
            <ul>
            <li>TCP echo (port 7), discard (port 9), chargen (port 19)</li>
            <li>UDP echo (port 7), discard (port 9)</li>
            <li><a href="/bytes/1000000">/bytes/N</a>: N bytes of the chargen pattern</li>
            </ul>
            </body>
            </html>
            """;
    private static final byte[] INDEX_BYTES = INDEX.getBytes(StandardCharsets.UTF_8);

    private final Clock clock;

    /** The HTML of {@code /}. */
    public static String indexPage() {
        return INDEX;
    }

    /** {@code clock} gives the Date header. */
    public HttpServer(Clock clock) {
        this.clock = clock;
    }

    /** A request that cannot be served: the status to answer with; all of these close the connection. */
    private static final class Reject extends Exception {
        final int status;

        Reject(int status) {
            super(null, null, false, false);
            this.status = status;
        }
    }

    /** Serves requests on {@code c} until the connection is to end; the caller closes it. */
    void serve(TcpSocket c, TcpServices.Counters n) throws IOException {
        c.setTcpNoDelay(true); // each response is written whole; never wait on Nagle for its tail
        InputStream in = new BufferedInputStream(c.getInputStream(), 16384);
        OutputStream out = new BufferedOutputStream(c.getOutputStream(), 16384);
        byte[] line = new byte[MAX_HEADER_BYTES];
        for (int served = 0; served < MAX_REQUESTS_PER_CONNECTION; served++) {
            boolean keepAlive;
            try {
                keepAlive = handle(in, out, line, served == MAX_REQUESTS_PER_CONNECTION - 1, n);
            } catch (SocketTimeoutException idle) {
                return; // RFC 9112 §9.8: a server may close an idle connection at any time
            } catch (Reject r) {
                respond(out, r.status, "text/plain; charset=utf-8",
                        (status(r.status) + "\n").getBytes(StandardCharsets.UTF_8), true, false, null);
                n.requests.incrementAndGet();
                out.flush();
                lingeringClose(c, in);
                return;
            }
            out.flush();
            if (!keepAlive) {
                return;
            }
        }
    }

    /**
     * After an error response, sends FIN and reads (and drops) what the client still sends, for a
     * while, before the caller closes: closing with unread data would send RST, and a RST can make
     * the client's stack throw away our response before the client has read it.
     */
    private static void lingeringClose(TcpSocket c, InputStream in) throws IOException {
        c.shutdownOutput();
        c.setSoTimeout(2000);
        byte[] sink = new byte[4096];
        for (int total = 0; total < 256 * 1024; ) {
            int r = in.read(sink);
            if (r < 0) {
                return;
            }
            total += r;
        }
    }

    /**
     * Reads and answers one request. Returns whether the connection goes on; false also when the
     * client closed it between requests.
     */
    private boolean handle(InputStream in, OutputStream out, byte[] buf, boolean last, TcpServices.Counters n)
            throws IOException, Reject {
        int len;
        do {
            len = readLine(in, buf, MAX_REQUEST_LINE, 414);
            if (len < 0) {
                return false; // the client closed the connection between requests
            }
        } while (len == 0);
        n.bytesIn.addAndGet(len);
        String requestLine = new String(buf, 0, len, StandardCharsets.ISO_8859_1);
        int sp1 = requestLine.indexOf(' ');
        int sp2 = sp1 < 0 ? -1 : requestLine.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) {
            throw new Reject(400);
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        String version = requestLine.substring(sp2 + 1);
        if (!isToken(method) || target.isEmpty()) {
            throw new Reject(400);
        }
        int minor = version(version);
        // Headers
        int fields = 0;
        int headerBytes = 0;
        int hosts = 0;
        long contentLength = -1;
        boolean close = minor == 0;
        boolean transferEncoding = false;
        boolean lastChunked = false;
        boolean otherCodings = false;
        for (;;) {
            int l = readLine(in, buf, MAX_HEADER_BYTES - headerBytes, 431);
            if (l < 0) {
                return false;
            }
            if (l == 0) {
                break;
            }
            headerBytes += l + 2;
            n.bytesIn.addAndGet(l + 2);
            if (++fields > MAX_HEADER_FIELDS) {
                throw new Reject(431);
            }
            int colon = checkFieldLine(buf, l);
            String name = new String(buf, 0, colon, StandardCharsets.ISO_8859_1);
            int vs = colon + 1;
            int ve = l;
            while (vs < ve && (buf[vs] == ' ' || buf[vs] == '\t')) {
                vs++;
            }
            while (ve > vs && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t')) {
                ve--;
            }
            String value = new String(buf, vs, ve - vs, StandardCharsets.ISO_8859_1);
            switch (name.toLowerCase(Locale.ROOT)) {
                case "host" -> hosts++;
                case "content-length" -> {
                    if (contentLength >= 0 || value.isEmpty() || value.length() > 18 || !value.chars().allMatch(Character::isDigit)) {
                        throw new Reject(400);
                    }
                    contentLength = Long.parseLong(value);
                }
                case "transfer-encoding" -> {
                    // a list (RFC 9110 §5.6.1), possibly over several fields: only the last
                    // coding and whether any other than chunked appears matter (fields that name
                    // no coding at all leave no chunked last: 400 below)
                    transferEncoding = true;
                    for (String element : value.split(",", -1)) {
                        String coding = element.trim();
                        if (coding.isEmpty()) {
                            continue;
                        }
                        int semi = coding.indexOf(';');
                        String codingName = (semi < 0 ? coding : coding.substring(0, semi)).trim();
                        if (!isToken(codingName)) {
                            throw new Reject(400);
                        }
                        boolean isChunked = semi < 0 && codingName.equalsIgnoreCase("chunked");
                        if (lastChunked) {
                            throw new Reject(400); // chunked applied, then something more (§6.3)
                        }
                        lastChunked = isChunked;
                        otherCodings |= !isChunked;
                    }
                }
                case "connection" -> {
                    for (String opt : value.split(",")) {
                        String o = opt.trim().toLowerCase(Locale.ROOT);
                        if (o.equals("close")) {
                            close = true;
                        } else if (o.equals("keep-alive") && minor == 0) {
                            close = false;
                        }
                    }
                }
                default -> {
                }
            }
        }
        if (minor >= 1 && hosts != 1) {
            throw new Reject(400); // RFC 9112 §3.2
        }
        if (hosts > 1) {
            throw new Reject(400);
        }
        if (transferEncoding) {
            // RFC 9112 §6.1: with Content-Length too, or in HTTP/1.0, the framing is faulty;
            // §6.3: a request whose last coding is not chunked has no knowable length
            if (contentLength >= 0 || minor == 0 || !lastChunked) {
                throw new Reject(400);
            }
            if (otherCodings) {
                throw new Reject(501); // §6.1: a coding this server does not decode
            }
            if (!discardChunked(in, buf)) {
                return false;
            }
        } else {
            if (contentLength > MAX_BODY) {
                throw new Reject(413);
            }
            if (!discard(in, contentLength, buf)) {
                return false;
            }
        }
        String path = path(target);
        if (path == null) {
            throw new Reject(400);
        }
        close |= last;
        n.requests.incrementAndGet();
        boolean head = method.equals("HEAD");
        if (!head && !method.equals("GET")) {
            int status = KNOWN_METHODS.contains(method) ? 405 : 501;
            respond(out, status, "text/plain; charset=utf-8", (status(status) + "\n").getBytes(StandardCharsets.UTF_8),
                    close, false, status == 405 ? "Allow: GET, HEAD\r\n" : null);
            return !close;
        }
        if (path.equals("/") || path.equals("/index.html")) {
            respond(out, 200, "text/html; charset=utf-8", INDEX_BYTES, close, head, null);
            n.bytesOut.addAndGet(head ? 0 : INDEX_BYTES.length);
            return !close;
        }
        if (path.startsWith("/bytes/")) {
            String num = path.substring(7);
            if (!num.isEmpty() && num.length() <= 13 && num.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                long count = Long.parseLong(num);
                if (count <= MAX_BYTES_RESOURCE) {
                    head(out, 200, "application/octet-stream", count, close, null);
                    if (!head) {
                        stream(out, count);
                        n.bytesOut.addAndGet(count);
                    }
                    return !close;
                }
            }
        }
        respond(out, 404, "text/plain; charset=utf-8", (status(404) + "\n").getBytes(StandardCharsets.UTF_8),
                close, head, null);
        return !close;
    }

    /**
     * Checks a field line (RFC 9112 §5: {@code field-name ":" OWS field-value OWS}) of {@code l}
     * bytes and returns the colon's index. 400 for obsolete line folding (§5.2), no colon, a name
     * that is not a token (which includes whitespace before the colon, §5.1), or a control
     * character in the value.
     */
    private static int checkFieldLine(byte[] buf, int l) throws Reject {
        if (buf[0] == ' ' || buf[0] == '\t') {
            throw new Reject(400);
        }
        int colon = -1;
        for (int i = 0; i < l; i++) {
            if (buf[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0) {
            throw new Reject(400);
        }
        for (int i = 0; i < colon; i++) {
            if (!isTchar(buf[i] & 0xff)) {
                throw new Reject(400);
            }
        }
        for (int i = colon + 1; i < l; i++) {
            int ch = buf[i] & 0xff;
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                throw new Reject(400);
            }
        }
        return colon;
    }

    /** Reads and drops {@code count} bytes; false if the stream ends first. */
    private static boolean discard(InputStream in, long count, byte[] scratch) throws IOException {
        while (count > 0) {
            int r = in.read(scratch, 0, (int) Math.min(count, scratch.length));
            if (r < 0) {
                return false;
            }
            count -= r;
        }
        return true;
    }

    /**
     * Reads and drops a chunked body (RFC 9112 §7.1): chunks until the last (size 0), then the
     * trailer section up to its empty line. False if the stream ends first; 400 for a malformed
     * chunk-size line, chunk end or trailer field, 413 when the chunks add up to more than
     * {@link #MAX_BODY}, 431 for a trailer section over the header limits.
     */
    private static boolean discardChunked(InputStream in, byte[] buf) throws IOException, Reject {
        long total = 0;
        for (;;) {
            int l = readLine(in, buf, MAX_CHUNK_LINE, 400);
            if (l < 0) {
                return false;
            }
            long size = 0;
            int i = 0;
            for (; i < l; i++) {
                int d = Character.digit(buf[i], 16);
                if (d < 0) {
                    break;
                }
                if (size > MAX_BODY) {
                    throw new Reject(413); // stop before the size overflows
                }
                size = size << 4 | d;
            }
            if (i == 0) {
                throw new Reject(400);
            }
            checkChunkExtensions(buf, i, l);
            if (size == 0) {
                break;
            }
            total += size;
            if (total > MAX_BODY) {
                throw new Reject(413);
            }
            if (!discard(in, size, buf)) {
                return false;
            }
            l = readLine(in, buf, 1, 400); // the CRLF that ends chunk-data
            if (l < 0) {
                return false;
            }
            if (l != 0) {
                throw new Reject(400);
            }
        }
        // trailer-section CRLF: field lines, read and discarded (RFC 9112 §7.1.2)
        int fields = 0;
        int bytes = 0;
        for (;;) {
            int l = readLine(in, buf, MAX_HEADER_BYTES - bytes, 431);
            if (l < 0) {
                return false;
            }
            if (l == 0) {
                return true;
            }
            bytes += l + 2;
            if (++fields > MAX_HEADER_FIELDS) {
                throw new Reject(431);
            }
            checkFieldLine(buf, l);
        }
    }

    /**
     * RFC 9112 §7.1.1: what follows the chunk size, {@code *( BWS ";" BWS chunk-ext-name
     * [ BWS "=" BWS chunk-ext-val ] )} with names tokens and values tokens or quoted strings;
     * 400 otherwise. The extensions themselves mean nothing to this server.
     */
    private static void checkChunkExtensions(byte[] buf, int i, int l) throws Reject {
        for (;;) {
            i = skipBws(buf, i, l);
            if (i == l) {
                return;
            }
            if (buf[i] != ';') {
                throw new Reject(400);
            }
            i = skipBws(buf, i + 1, l);
            int name = i;
            while (i < l && isTchar(buf[i] & 0xff)) {
                i++;
            }
            if (i == name) {
                throw new Reject(400);
            }
            int j = skipBws(buf, i, l);
            if (j == l || buf[j] != '=') {
                i = j;
                continue;
            }
            i = skipBws(buf, j + 1, l);
            if (i < l && buf[i] == '"') {
                i = quotedStringEnd(buf, i, l);
            } else {
                int v = i;
                while (i < l && isTchar(buf[i] & 0xff)) {
                    i++;
                }
                if (i == v) {
                    throw new Reject(400);
                }
            }
        }
    }

    private static int skipBws(byte[] buf, int i, int l) {
        while (i < l && (buf[i] == ' ' || buf[i] == '\t')) {
            i++;
        }
        return i;
    }

    /**
     * RFC 9110 §5.6.4: the index after the quoted-string that starts at {@code buf[i]} (a DQUOTE);
     * 400 if it does not end on the line or holds a character qdtext and quoted-pair do not allow.
     */
    private static int quotedStringEnd(byte[] buf, int i, int l) throws Reject {
        for (i++; i < l; i++) {
            int ch = buf[i] & 0xff;
            if (ch == '"') {
                return i + 1;
            }
            if (ch == '\\') {
                if (++i == l) {
                    break;
                }
                ch = buf[i] & 0xff;
                if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
                    break;
                }
            } else if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
                break;
            }
        }
        throw new Reject(400);
    }

    /** The minor version of "HTTP/1.x"; 505 for another major version, 400 when not a version. */
    private static int version(String v) throws Reject {
        if (v.length() != 8 || !v.startsWith("HTTP/") || v.charAt(6) != '.'
                || !Character.isDigit(v.charAt(5)) || !Character.isDigit(v.charAt(7))) {
            throw new Reject(400);
        }
        if (v.charAt(5) != '1') {
            throw new Reject(505);
        }
        return v.charAt(7) - '0';
    }

    /** The path of an origin-form or absolute-form (http) target, without the query; null if neither. */
    private static String path(String target) {
        String t = target;
        if (t.regionMatches(true, 0, "http://", 0, 7)) {
            int slash = t.indexOf('/', 7);
            t = slash < 0 ? "/" : t.substring(slash);
        }
        if (t.charAt(0) != '/') {
            return null;
        }
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            if (ch <= ' ' || ch >= 0x7f) {
                return null;
            }
        }
        int q = t.indexOf('?');
        return q < 0 ? t : t.substring(0, q);
    }

    /** RFC 9110 §5.6.2 token. */
    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 §5.6.2 tchar. */
    private static boolean isTchar(int ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                || (ch < 0x80 && "!#$%&'*+-.^_`|~".indexOf(ch) >= 0);
    }

    /**
     * Reads one line into {@code buf} without its terminator (CR LF or a bare LF); returns its
     * length, or -1 at end of stream before any byte. A line longer than {@code max} is a
     * {@link Reject} with {@code tooLong}; a CR not before LF is 400.
     */
    private static int readLine(InputStream in, byte[] buf, int max, int tooLong) throws IOException, Reject {
        int len = 0;
        for (;;) {
            int b = in.read();
            if (b < 0) {
                if (len == 0) {
                    return -1;
                }
                throw new Reject(400); // the client stopped in the middle of a line
            }
            if (b == '\n') {
                if (len > 0 && buf[len - 1] == '\r') {
                    len--;
                }
                return len;
            }
            if (len > 0 && buf[len - 1] == '\r') {
                throw new Reject(400); // a bare CR (RFC 9112 §2.2)
            }
            if (len >= max || len >= buf.length) {
                throw new Reject(tooLong);
            }
            buf[len++] = (byte) b;
        }
    }

    private void respond(OutputStream out, int status, String type, byte[] body, boolean close, boolean head,
                         String extra) throws IOException {
        head(out, status, type, body.length, close, extra);
        if (!head) {
            out.write(body);
        }
    }

    private void head(OutputStream out, int status, String type, long length, boolean close, String extra)
            throws IOException {
        StringBuilder h = new StringBuilder(256);
        h.append("HTTP/1.1 ").append(status).append(' ').append(status(status)).append("\r\n");
        h.append("Date: ").append(IMF_FIXDATE.format(ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC)))
                .append("\r\n");
        h.append("Server: ").append(SERVER).append("\r\n");
        h.append("Content-Type: ").append(type).append("\r\n");
        h.append("Content-Length: ").append(length).append("\r\n");
        if (extra != null) {
            h.append(extra);
        }
        if (close) {
            h.append("Connection: close\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The body of {@code /bytes/N}: the chargen stream, 64 KiB at a time. */
    private static void stream(OutputStream out, long count) throws IOException {
        byte[] chunk = new byte[TcpServices.CHARGEN_PERIOD * 9]; // a whole number of periods: reusable as is
        TcpServices.chargen(0, chunk, 0, chunk.length);
        while (count > 0) {
            int n = (int) Math.min(count, chunk.length);
            out.write(chunk, 0, n);
            count -= n;
        }
    }

    static String status(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            case 505 -> "HTTP Version Not Supported";
            default -> "Unknown";
        };
    }
}
