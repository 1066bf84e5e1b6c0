# Sourced by ./specula and ./run-tests: exports JAVA_HOME pointing at a JDK 25 or newer.
# The machines' default `java` is 17, so JAVA_HOME is used only if it is 25+, else the
# installed JVMs are searched.

java_feature_version() { # $1 = a JDK home; prints its feature version (e.g. 25) or nothing
  local release="$1/release"
  [ -x "$1/bin/java" ] && [ -f "$release" ] || return 0
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}

select_jdk25() {
  local v
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(java_feature_version "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then export JAVA_HOME; return 0; fi
  fi
  local candidate best="" best_v=0
  for candidate in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$candidate" ] || continue
    v=$(java_feature_version "$candidate")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$best_v" ]; then best="$candidate"; best_v="$v"; fi
  done
  if [ -z "$best" ]; then
    echo "specula: no JDK 25 or newer found (looked at JAVA_HOME and /usr/lib/jvm, /opt/java, ~/.sdkman, ~/.jdks)." >&2
    echo "specula: install one (e.g. Temurin 25) or point JAVA_HOME at it." >&2
    return 2
  fi
  export JAVA_HOME="$best"
}
