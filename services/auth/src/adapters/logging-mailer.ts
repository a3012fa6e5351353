import type { Logger, Mailer, OutgoingMail } from "../ports.js";

/** How many mails a {@link LoggingMailer} remembers; older ones are dropped. */
const KEEP = 100;

/**
 * The mailer for development and tests, used when no SMTP relay is configured: it delivers
 * nothing, logs that a mail would have gone out (recipient and subject only: bodies carry reset
 * tokens, which must never reach logs) and keeps the latest mails in memory so tests can read
 * the link a person would have received.
 */
export class LoggingMailer implements Mailer {
  private readonly mails: OutgoingMail[] = [];

  constructor(private readonly logger?: Logger) {}

  async send(mail: OutgoingMail): Promise<void> {
    this.mails.push({ to: mail.to, subject: mail.subject, text: mail.text });
    if (this.mails.length > KEEP) this.mails.splice(0, this.mails.length - KEEP);
    this.logger?.info(
      { to: mail.to, subject: mail.subject },
      "mail not delivered (no SMTP relay configured)",
    );
  }

  /** The mails accepted so far, oldest first (at most the latest 100). */
  sent(): readonly OutgoingMail[] {
    return [...this.mails];
  }

  /** Forgets the mails kept so far. */
  clear(): void {
    this.mails.length = 0;
  }

  async close(): Promise<void> {}
}
