package dev.specula.devices;

/**
 * A device profile could not be read or is not valid. The message names the file, the line
 * number, the key and the problem, like
 * {@code pi5.profile:12: seq.4KiB: bandwidth must be positive, got '-3 MB/s'}, and is meant to be
 * shown to the user as is.
 */
public class DeviceProfileException extends RuntimeException {
    private final String file;
    private final int line;
    private final String key;
    private final String problem;

    /**
     * @param file the file or resource name (or another description of where the text came from)
     * @param line the 1-based line number, or 0 when the problem is not tied to one line
     * @param key the key at fault, or null
     * @param problem what is wrong
     */
    public DeviceProfileException(String file, int line, String key, String problem) {
        this(file, line, key, problem, null);
    }

    public DeviceProfileException(String file, int line, String key, String problem, Throwable cause) {
        super(format(file, line, key, problem), cause);
        this.file = file;
        this.line = line;
        this.key = key;
        this.problem = problem;
    }

    private static String format(String file, int line, String key, String problem) {
        StringBuilder sb = new StringBuilder(file == null ? "<profile>" : file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (key != null) {
            sb.append(key).append(": ");
        }
        return sb.append(problem).toString();
    }

    public String file() {
        return file;
    }

    /** The 1-based line number, 0 if the problem is not tied to one line. */
    public int line() {
        return line;
    }

    /** The key at fault, or null. */
    public String key() {
        return key;
    }

    public String problem() {
        return problem;
    }
}
