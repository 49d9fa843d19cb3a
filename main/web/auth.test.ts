import { describe, expect, it } from 'vitest';
import { ConsoleAuth, readCookie } from './auth';

describe('ConsoleAuth', () => {
  it('issues a 32-byte base64url token', () => {
    const auth = new ConsoleAuth({ port: 7420, secure: false });
    expect(auth.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new ConsoleAuth({ port: 7420, secure: false }).token).not.toBe(auth.token);
  });

  it('exchanges the right token once for a session the cookie then proves', () => {
    const auth = new ConsoleAuth({ port: 7420, secure: false });
    const session = auth.redeem(auth.token);
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.hasSession(`other=1; ${auth.cookieName}=${session}`)).toBe(true);
    expect(auth.redeem(auth.token)).toBeNull();
  });

  it('refuses a wrong token (any length) and does not consume the right one', () => {
    const auth = new ConsoleAuth({ port: 7420, secure: false });
    expect(auth.redeem('')).toBeNull();
    expect(auth.redeem(`${auth.token}x`)).toBeNull();
    expect(auth.redeem(auth.token.slice(0, -1))).toBeNull();
    expect(auth.redeem(auth.token)).not.toBeNull();
  });

  it('refuses unknown sessions and cookies of another name', () => {
    const auth = new ConsoleAuth({ port: 7420, secure: false });
    const session = auth.redeem(auth.token);
    expect(auth.hasSession(undefined)).toBe(false);
    expect(auth.hasSession(`${auth.cookieName}=not-a-session`)).toBe(false);
    expect(auth.hasSession(`lifeline_session_7421=${session}`)).toBe(false);
  });

  it('names the cookie per port and makes it HttpOnly, SameSite=Strict, Path=/', () => {
    const auth = new ConsoleAuth({ port: 7420, secure: false });
    expect(auth.sessionCookie('abc')).toBe('lifeline_session_7420=abc; Path=/; HttpOnly; SameSite=Strict');
  });

  it('under TLS adds Secure and the __Host- prefix', () => {
    const auth = new ConsoleAuth({ port: 8443, secure: true });
    expect(auth.sessionCookie('abc')).toBe('__Host-lifeline_session_8443=abc; Path=/; HttpOnly; SameSite=Strict; Secure');
  });
});

describe('readCookie', () => {
  it('returns every value of the name, trimmed, and nothing for look-alike names', () => {
    expect(readCookie(' a=1; b=2 ; a=3;ab=4; =5; a', 'a')).toEqual(['1', '3']);
    expect(readCookie(undefined, 'a')).toEqual([]);
    expect(readCookie('x=a=b', 'x')).toEqual(['a=b']);
  });
});
