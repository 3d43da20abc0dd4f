package dev.packetflow.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where the shared packetdrill corpus lives and which scripts it holds. The corpus sits beside the
 * project checkout ({@code ../shared/conformance/packetdrill} from the project root); a checkout
 * elsewhere (CI) names it with the system property {@value #PROPERTY} or the environment variable
 * {@value #ENV}.
 */
public final class Corpus {
    public static final String PROPERTY = "packetflow.packetdrill.dir";
    public static final String ENV = "PACKETFLOW_PACKETDRILL_DIR";
    /** The corpus relative to the project root. */
    public static final String RELATIVE = "../shared/conformance/packetdrill";

    private Corpus() {}

    /**
     * The corpus folder: the system property, else the environment variable, else
     * {@link #RELATIVE} from the project root found above {@code start} (the directory holding
     * {@code mvnw}). Returns the path even if it does not exist; check with {@link Files#isDirectory}.
     */
    public static Path locate(Path start) {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(ENV);
        }
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        Path root = projectRoot(start);
        return root.resolve(RELATIVE).normalize();
    }

    /** The nearest directory at or above {@code start} holding {@code mvnw}, else {@code start}. */
    public static Path projectRoot(Path start) {
        Path abs = start.toAbsolutePath().normalize();
        for (Path d = abs; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isDirectory(d.resolve("core"))) {
                return d;
            }
        }
        return abs;
    }

    /** Every {@code .pkt} file under {@code dir}, sorted by path. */
    public static List<Path> scripts(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().endsWith(".pkt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
