package dev.kappa.examples.userstats;

/** A setting this processor cannot honour: the process exits 2 with the message. */
final class ConfigError extends Exception {
  private static final long serialVersionUID = 1L;

  /** {@code setting}: the variable (or Kafka property) at fault, named first in the message. */
  ConfigError(String setting, String message) {
    super(setting + ": " + message);
  }
}
