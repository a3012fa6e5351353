import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger, Mailer, OutgoingMail } from "../ports.js";

/** How many mails a {@link LoggingMailer} remembers; older ones are dropped. */
const KEEP = 100;

/**
 * The mailer for development and tests, used when no SMTP relay is configured: it delivers
 * nothing, logs that a mail would have gone out (recipient and subject only: bodies carry reset
 * tokens, which must never reach logs) and keeps the latest mails in memory so tests can read
 * the link a person would have received. With an `outbox` directory (what `npm start` uses) it
 * also writes each mail there as an owner-only `.eml` file, so a developer can follow the link.
 */
export class LoggingMailer implements Mailer {
  private readonly mails: OutgoingMail[] = [];

  private written = 0;

  constructor(
    private readonly logger?: Logger,
    private readonly outbox?: string,
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    this.mails.push({ to: mail.to, subject: mail.subject, text: mail.text });
    if (this.mails.length > KEEP) this.mails.splice(0, this.mails.length - KEEP);
    const file = this.outbox ? await this.write(this.outbox, mail) : undefined;
    this.logger?.info(
      { to: mail.to, subject: mail.subject, file },
      "mail not delivered (no SMTP relay configured)",
    );
  }

  private async write(outbox: string, mail: OutgoingMail): Promise<string> {
    await mkdir(outbox, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const file = join(outbox, `${stamp}-${++this.written}.eml`);
    const eml = `To: ${mail.to}\r\nSubject: ${mail.subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${mail.text}\r\n`;
    await writeFile(file, eml, { mode: 0o600 });
    return file;
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
