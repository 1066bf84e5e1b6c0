package dev.specula.gpu;

/** An OpenCL C program failed to compile on a device; carries the program name and the compiler log. */
public final class ProgramBuildException extends OpenClException {

    private final String programName;
    private final String buildLog;

    public ProgramBuildException(String programName, String device, String options, int code, String buildLog) {
        super("OpenCL program '" + programName + "' failed to build on " + device + " ("
                + errorName(code) + ", options \"" + options + "\"):\n" + buildLog.strip(), code);
        this.programName = programName;
        this.buildLog = buildLog;
    }

    public String programName() {
        return programName;
    }

    public String buildLog() {
        return buildLog;
    }
}
