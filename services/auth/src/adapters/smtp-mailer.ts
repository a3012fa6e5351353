import { createTransport, type Transporter } from "nodemailer";
import type { Mailer, OutgoingMail } from "../ports.js";

/**
 * {@link Mailer} over SMTP with nodemailer, for deployments with a mail relay. The URL carries
 * host, port, TLS (`smtps://`) and credentials, e.g. `smtps://user:pass@mail.example.com:465`.
 * Connections are pooled so a burst of reset mails does not open one connection per mail.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    const url = new URL(smtpUrl);
    url.searchParams.set("pool", "true");
    this.transport = createTransport(url.toString());
  }

  async send(mail: OutgoingMail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
