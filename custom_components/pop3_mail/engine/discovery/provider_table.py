"""The providers POP3 users have, with their POP3 server and the traps to explain.

Every row names its ``source``: the provider's own help page or the Thunderbird autoconfig
database (ISPDB, ``https://autoconfig.thunderbird.net/v1.1/<domain>``). Rows whose host name
could not be checked against either have ``checked=False``: discovery confirms them with a
verified TLS handshake first. Notes that rest on other reports say so in a comment.

Google's and Microsoft's servers are those of their OAuth presets (``oauth.providers``), so the
two never disagree. Rows with ``mx`` serve domains hosted at the provider (``example.com`` whose
MX is ``example-com.mail.protection.outlook.com`` is a Microsoft 365 mailbox).
"""

from __future__ import annotations

from ..oauth.providers import GOOGLE, MICROSOFT
from .model import AuthKind, UsernameForm
from .providers import Provider, ProviderServer, ProviderTable

_ISPDB = "https://autoconfig.thunderbird.net/v1.1/"


def _names(text: str) -> tuple[str, ...]:
    """Domains written as one space-separated string (long lists stay readable)."""
    return tuple(text.split())


_ROWS = (
    # --- Germany -------------------------------------------------------------------------
    Provider(
        id="gmx",
        name="GMX",
        server=ProviderServer("pop.gmx.net"),
        domains=_names("gmx.net gmx.de gmx.at gmx.ch gmx.eu gmx.biz gmx.org gmx.info"),
        # POP3 is off until enabled (ISPDB <enable>); with 2FA an app-specific password is
        # needed (GMX help, as collected in our field notes).
        notes=("enable_pop3", "app_password_with_2fa"),
        help_url="https://hilfe.gmx.net/pop-imap/einschalten.html",
        source=_ISPDB + "gmx.net",
    ),
    Provider(
        id="gmx_com",
        name="GMX",
        # gmx.com is the same company with other access servers (ISPDB comment).
        server=ProviderServer("pop.gmx.com"),
        domains=_names(
            "gmx.com gmx.us gmx.co.uk gmx.fr gmx.es gmx.it gmx.ca gmx.ie gmx.pt gmx.se gmx.li "
            "gmx.tm"
        ),
        source=_ISPDB + "gmx.com",
    ),
    Provider(
        id="webde",
        name="WEB.DE",
        server=ProviderServer("pop3.web.de"),
        domains=("web.de",),
        # ISPDB: username is the local part; POP3 must be enabled; free accounts may check only
        # every 15 minutes ("otherwise fails at auth").
        username=UsernameForm.LOCAL_PART,
        notes=("enable_pop3", "app_password_with_2fa", "login_interval"),
        help_url="https://hilfe.web.de/pop-imap/einschalten.html",
        source=_ISPDB + "web.de",
    ),
    Provider(
        id="telekom",
        name="Telekom (T-Online)",
        server=ProviderServer("securepop.t-online.de"),
        domains=("t-online.de", "magenta.de"),
        # ISPDB <enable>: a separate E-Mail-Passwort; the web login's password does not work.
        notes=("separate_mail_password",),
        help_url="https://www.telekom.de/hilfe/apps-dienste/e-mail/programme/passwort-verwalten",
        source=_ISPDB + "t-online.de",
    ),
    Provider(
        id="freenet",
        name="freenet",
        server=ProviderServer("mx.freenet.de"),
        domains=("freenet.de",),
        notes=("enable_pop3",),
        help_url="https://kundenservice.freenet.de/faq/e-mail-client-mail/pop3-imap-und-smtp-aktivieren/",
        source=_ISPDB + "freenet.de",
        # One ISPDB version lists POP3 on mx.freenet.de:995, a newer one lists no POP3 server
        # at all: confirm before use.
        checked=False,
    ),
    Provider(
        id="1und1",
        name="1&1",
        server=ProviderServer("pop.1und1.de"),
        domains=_names(
            "online.de onlinehome.de sofortstart.de sofort-start.de sofortsurf.de "
            "sofort-surf.de go4more.de"
        ),
        source=_ISPDB + "1und1.de",
    ),
    Provider(
        id="ionos",
        name="IONOS",
        server=ProviderServer("pop.ionos.de"),
        # Hosting customers' own domains (ISPDB lists these MX domains).
        mx=("kundenserver.de", "ionos.de", "schlund.de"),
        source=_ISPDB + "ionos.de",
    ),
    Provider(
        id="strato",
        name="STRATO",
        server=ProviderServer("pop3.strato.de"),
        domains=("strato.de",),
        mx=("rzone.de",),
        source=_ISPDB + "strato.de",
    ),
    Provider(
        id="vodafone",
        name="Vodafone",
        server=ProviderServer("pop3.vodafonemail.de"),
        # Arcor and Kabel Deutschland mail moved to Vodafone's platform (ISPDB lists them there).
        domains=("vodafonemail.de", "vodafone.de", "arcor.de", "kabelmail.de"),
        source=_ISPDB + "vodafonemail.de",
    ),
    Provider(
        id="posteo",
        name="Posteo",
        server=ProviderServer("posteo.de"),
        domains=_names(
            "posteo.de posteo.at posteo.ch posteo.eu posteo.net posteo.org posteo.com "
            "posteo.be posteo.nl posteo.uk posteo.co.uk posteo.us posteo.es posteo.it "
            "posteo.pl posteo.se posteo.dk posteo.fi posteo.no posteo.cz posteo.me"
        ),
        source=_ISPDB + "posteo.de",
    ),
    Provider(
        id="mailbox_org",
        name="mailbox.org",
        server=ProviderServer("pop3.mailbox.org"),
        domains=("mailbox.org",),
        mx=("mailbox.org",),
        notes=("app_password_with_2fa",),
        help_url="https://kb.mailbox.org/en/private/e-mail/e-mail-configuration",
        source="https://kb.mailbox.org/en/private/e-mail/e-mail-configuration",
    ),
    # --- International ---------------------------------------------------------------------
    Provider(
        id="gmail",
        name="Gmail",
        server=ProviderServer(GOOGLE.host, GOOGLE.port),
        domains=("gmail.com", "googlemail.com"),
        # Password logins need an app password with 2-step verification (Google; our field
        # notes); Gmail answers "[SYS/PERM] Your account is not enabled for POP" until POP is on.
        auth=AuthKind.APP_PASSWORD,
        notes=("enable_pop3", "app_password_required"),
        help_url="https://mail.google.com/mail/#settings/fwdandpop",
        source=_ISPDB + "gmail.com",
    ),
    Provider(
        id="google_workspace",
        name="Google Workspace",
        server=ProviderServer(GOOGLE.host, GOOGLE.port),
        # ISPDB lists google.com as the MX domain of hosted (Workspace) domains; the MX hosts
        # are aspmx.l.google.com and friends, or smtp.google.com.
        mx=("google.com", "googlemail.com"),
        auth=AuthKind.APP_PASSWORD,
        notes=("enable_pop3", "app_password_required", "workspace_admin"),
        help_url="https://mail.google.com/mail/#settings/fwdandpop",
        source=_ISPDB + "googlemail.com",
    ),
    Provider(
        id="outlook",
        name="Outlook.com",
        server=ProviderServer(MICROSOFT.host, MICROSOFT.port),
        domains=_names(
            "outlook.com outlook.de outlook.at outlook.be outlook.fr outlook.it outlook.es "
            "outlook.cz outlook.dk outlook.ie outlook.pt outlook.sk outlook.hu outlook.jp "
            "outlook.com.au outlook.com.br hotmail.com hotmail.de hotmail.co.uk hotmail.fr "
            "hotmail.it hotmail.es hotmail.nl hotmail.be hotmail.ca hotmail.ch hotmail.se "
            "hotmail.dk hotmail.no hotmail.fi hotmail.cz hotmail.gr live.com live.de live.at "
            "live.co.uk live.fr live.it live.nl live.be live.ca live.se live.dk live.com.au "
            "msn.com windowslive.com passport.com"
        ),
        # MX of consumer domains, e.g. eur.olc.protection.outlook.com (ISPDB).
        mx=("olc.protection.outlook.com",),
        # OAuth 2 only since 16 September 2024; POP must be enabled in the settings
        # (Microsoft, as collected in our field notes; ISPDB lists OAuth2 only).
        auth=AuthKind.OAUTH,
        notes=("oauth_microsoft",),
        source=_ISPDB + "hotmail.com",
    ),
    Provider(
        id="microsoft365",
        name="Microsoft 365",
        server=ProviderServer(MICROSOFT.host, MICROSOFT.port),
        domains=("office365.com",),
        # Tenants' domains: the MX is <tenant>.mail.protection.outlook.com (ISPDB).
        mx=("mail.protection.outlook.com",),
        # Basic authentication ended for Exchange Online POP3 at the end of 2022 (field notes).
        auth=AuthKind.OAUTH,
        notes=("oauth_microsoft",),
        source=_ISPDB + "office365.com",
    ),
    Provider(
        id="yahoo",
        name="Yahoo Mail",
        server=ProviderServer("pop.mail.yahoo.com"),
        domains=_names(
            "yahoo.com yahoo.de yahoo.it yahoo.fr yahoo.es yahoo.se yahoo.co.uk yahoo.co.in "
            "yahoo.co.nz yahoo.com.au yahoo.com.ar yahoo.com.br yahoo.com.mx ymail.com "
            "myyahoo.com rocketmail.com"
        ),
        # Third-party programs need an app password (field notes).
        auth=AuthKind.APP_PASSWORD,
        notes=("app_password_required",),
        source=_ISPDB + "yahoo.com",
    ),
    Provider(
        id="aol",
        name="AOL Mail",
        server=ProviderServer("pop.aol.com"),
        domains=_names(
            "aol.com aim.com aol.de aol.fr aol.it aol.es aol.se aol.co.uk aol.co.nz "
            "aol.com.au aol.com.ar aol.com.br aol.com.mx"
        ),
        # AOL runs on Yahoo's platform and wants app passwords like it (AOL help; not checked
        # against the page here).
        auth=AuthKind.APP_PASSWORD,
        notes=("app_password_required",),
        source=_ISPDB + "aol.com",
    ),
    Provider(
        id="zoho",
        name="Zoho Mail",
        server=ProviderServer("pop.zoho.com"),
        domains=("zoho.com", "zohomail.com"),
        # POP access must be enabled; with 2FA an app-specific password (Zoho help). POP is
        # missing from free plans made since 2019 (a reseller's help page, not Zoho's own).
        notes=("enable_pop3", "app_password_with_2fa", "pop3_paid_plans"),
        help_url="https://www.zoho.com/mail/help/pop-access.html",
        source="https://www.zoho.com/mail/help/pop-access.html",
    ),
    Provider(
        id="zoho_org",
        name="Zoho Mail",
        # Organisation users (own domains, MX mx.zoho.com) use poppro (Zoho help).
        server=ProviderServer("poppro.zoho.com"),
        mx=("zoho.com",),
        notes=("enable_pop3", "app_password_with_2fa"),
        help_url="https://www.zoho.com/mail/help/pop-access.html",
        source="https://www.zoho.com/mail/help/pop-access.html",
    ),
    Provider(
        id="zoho_org_eu",
        name="Zoho Mail",
        # The EU data centre by the same pattern (poppro.zoho.in is documented for India);
        # not found on a Zoho page.
        server=ProviderServer("poppro.zoho.eu"),
        mx=("zoho.eu",),
        notes=("enable_pop3", "app_password_with_2fa"),
        source="https://www.zoho.com/mail/help/pop-access.html",
        checked=False,
    ),
    Provider(
        id="fastmail",
        name="Fastmail",
        server=ProviderServer("pop.fastmail.com"),
        domains=("fastmail.com", "fastmail.fm"),
        mx=("messagingengine.com",),
        # Fastmail wants an app password for mail programs (Fastmail help; not checked here).
        auth=AuthKind.APP_PASSWORD,
        notes=("app_password_required",),
        source=_ISPDB + "messagingengine.com",
    ),
    Provider(
        id="yandex",
        name="Yandex Mail",
        server=ProviderServer("pop.yandex.com"),
        domains=("yandex.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua", "ya.ru"),
        notes=("enable_pop3",),
        help_url="https://mail.yandex.ru/neo/setup_client",
        source=_ISPDB + "yandex.ru",
    ),
    Provider(
        id="mailru",
        name="Mail.ru",
        server=ProviderServer("pop.mail.ru"),
        domains=("mail.ru", "inbox.ru", "list.ru", "bk.ru"),
        # Mail programs need a "password for an external application" (Mail.ru help; not
        # checked against the page here).
        auth=AuthKind.APP_PASSWORD,
        notes=("app_password_required",),
        source=_ISPDB + "mail.ru",
    ),
    Provider(
        id="orange",
        name="Orange",
        server=ProviderServer("pop.orange.fr"),
        domains=("orange.fr", "wanadoo.fr"),
        source=_ISPDB + "orange.fr",
    ),
    Provider(
        id="free",
        name="Free",
        server=ProviderServer("pop.free.fr"),
        domains=("free.fr",),
        username=UsernameForm.LOCAL_PART,
        source=_ISPDB + "free.fr",
    ),
    Provider(
        id="libero",
        name="Libero Mail",
        server=ProviderServer("popmail.libero.it"),
        domains=("libero.it", "iol.it", "blu.it", "inwind.it", "giallo.it"),
        source=_ISPDB + "libero.it",
    ),
    Provider(
        id="virgilio",
        name="Virgilio Mail",
        server=ProviderServer("in.virgilio.it"),
        domains=("virgilio.it",),
        # Neither ISPDB nor Virgilio's help page was at hand: confirm before use.
        source="https://aiuto.virgilio.it/",
        checked=False,
    ),
    Provider(
        id="seznam",
        name="Seznam",
        server=ProviderServer("pop3.seznam.cz"),
        domains=("seznam.cz", "email.cz", "post.cz", "spoluzaci.cz"),
        # Only a third-party guide confirmed pop3.seznam.cz:995.
        source="https://napoveda.seznam.cz/",
        checked=False,
    ),
    Provider(
        id="o2_cz",
        name="O2 (Czech Republic)",
        server=ProviderServer("pop3.o2active.cz"),
        domains=("o2active.cz",),
        # Not confirmed by any source at hand: confirm before use.
        source="https://www.o2.cz/",
        checked=False,
    ),
    # --- Poland ------------------------------------------------------------------------------
    Provider(
        id="wp",
        name="WP Poczta",
        server=ProviderServer("pop3.wp.pl"),
        domains=("wp.pl",),
        # An ISPDB-format entry lists the local part as username. That POP3 must be switched on
        # in the settings is reported by users, not confirmed on WP's page.
        username=UsernameForm.LOCAL_PART,
        notes=("enable_pop3",),
        source="https://poczta.wp.pl/info-pomoc-konfig.html",
        checked=False,
    ),
    Provider(
        id="onet",
        name="Onet Poczta",
        server=ProviderServer("pop3.poczta.onet.pl"),
        domains=("onet.pl", "op.pl", "vp.pl", "onet.eu", "poczta.onet.pl"),
        # Access for mail programs must be enabled in the settings (reported, not confirmed).
        notes=("enable_pop3",),
        source="https://pomoc.onet.pl/",
        checked=False,
    ),
    Provider(
        id="interia",
        name="Poczta Interia",
        server=ProviderServer("poczta.interia.pl"),
        domains=("interia.pl", "interia.eu", "poczta.fm"),
        notes=("enable_pop3",),
        source="https://poczta.interia.pl/pomoc/",
        checked=False,
    ),
    Provider(
        id="o2_pl",
        name="o2 Poczta",
        server=ProviderServer("poczta.o2.pl"),
        domains=("o2.pl", "go2.pl", "tlen.pl", "prokonto.pl"),
        username=UsernameForm.LOCAL_PART,
        notes=("enable_pop3",),
        help_url="https://pomoc.o2.pl/aktywacja-dostepu-dla-programow-pocztowych",
        source=_ISPDB + "o2.pl",
    ),
    # --- No POP3 -----------------------------------------------------------------------------
    Provider(
        id="icloud",
        name="iCloud Mail",
        # ISPDB lists IMAP only, and Apple documents no POP3 server for iCloud Mail.
        server=None,
        domains=("icloud.com", "me.com", "mac.com"),
        notes=("no_pop3",),
        source=_ISPDB + "icloud.com",
    ),
)

PROVIDERS = ProviderTable(_ROWS)
"""The built-in table (``PROVIDERS.for_domain("gmx.de")``)."""
