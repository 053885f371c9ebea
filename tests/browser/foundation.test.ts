/**
 * Journeys over the foundation: every demo role signs in and walks its menu; the language
 * switch goes to English and back; the office creates a user and the invitee sets a password
 * through the link; a phone-sized screen shows the pages without sideways scrolling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeProblems,
  checkPage,
  HAVE_CHROMIUM,
  type Harness,
  PHONE,
  signIn,
  startHarness,
  submit,
  wrongDirection,
} from './harness.ts';

let h: Harness;
beforeAll(async () => {
  if (HAVE_CHROMIUM) h = await startHarness('foundation');
});
afterAll(async () => {
  await h?.close();
});

/** the menu entries a signed-in page offers */
async function menuLinks(h: Harness): Promise<string[]> {
  const hrefs = await h.page.$$eval('nav[aria-label] a[href]', (as) => as.map((a) => a.getAttribute('href')!));
  return [...new Set(hrefs)].filter((href) => href.startsWith('/') && href !== '/');
}

describe.skipIf(!HAVE_CHROMIUM)('foundation journeys in Chromium', () => {
  it('the welcome and sign-in pages are Arabic, right-to-left and accessible', async () => {
    await h.context.clearCookies();
    await h.page.goto(`${h.url}/`);
    await checkPage(h.page, 'welcome', { lang: 'ar' });
    await h.page.goto(`${h.url}/login`);
    await checkPage(h.page, 'login', { lang: 'ar' });
    // a wrong password: the message beside the field, what was typed kept, still accessible
    await h.page.fill('#f-login', 'office');
    await h.page.fill('#f-password', 'not-the-password');
    await submit(h.page, 'form[action="/login"] button[type=submit]');
    expect(await h.page.inputValue('#f-login')).toBe('office');
    expect(await h.page.getAttribute('#f-login', 'aria-invalid')).toBe('true');
    await checkPage(h.page, 'login-error', { lang: 'ar' });
  });

  it('the checks themselves catch what they look for', async () => {
    await h.context.clearCookies();
    await h.page.goto(`${h.url}/login`);
    await h.page.evaluate(() => {
      const p = document.createElement('p');
      p.textContent = '+963944100000';
      const img = document.createElement('img');
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      const field = document.createElement('input');
      document.querySelector('main')!.append(p, img, field);
    });
    expect(await wrongDirection(h.page)).toEqual(['"+963944100000" in <p>']);
    const problems = await axeProblems(h.page);
    expect(problems.some((p) => p.includes('image-alt'))).toBe(true);
    expect(problems.some((p) => p.includes('label'))).toBe(true);
  });

  for (const role of ['admin', 'office', 'coordinator', 'trainer', 'member']) {
    // every feature adds pages to the menus: a generous limit, as the walk grows with the app
    it(`${role} signs in and every page of the menu works`, { timeout: 180_000 }, async () => {
      await signIn(h, role);
      expect(new URL(h.page.url()).pathname).toBe('/');
      await checkPage(h.page, `${role}-dashboard`, { lang: 'ar' });
      for (const href of await menuLinks(h)) {
        await h.page.goto(h.url + href);
        await checkPage(h.page, `${role}${href}`, { lang: 'ar' });
      }
      await h.page.goto(`${h.url}/account`);
      await checkPage(h.page, `${role}-account`, { lang: 'ar' });
    });
  }

  it('switches to English and back, staying on the same page', async () => {
    await signIn(h, 'office');
    await h.page.goto(`${h.url}/admin/users`);
    await submit(h.page, 'form[action="/lang/en"] button');
    expect(new URL(h.page.url()).pathname).toBe('/admin/users');
    await checkPage(h.page, 'users-en', { lang: 'en' });
    // the choice is remembered for the account
    await h.page.goto(`${h.url}/`);
    await checkPage(h.page, 'dashboard-en', { lang: 'en' });
    await submit(h.page, 'form[action="/lang/ar"] button');
    await checkPage(h.page, 'dashboard-ar-again', { lang: 'ar' });
  });

  it('the office creates a user; the invitee sets a password with the link and signs in', {
    timeout: 90_000,
  }, async () => {
    await signIn(h, 'office');
    await h.page.goto(`${h.url}/admin/users/new`);
    await checkPage(h.page, 'user-new', { lang: 'ar' });
    await h.page.fill('#f-username', 'new.trainer');
    await h.page.fill('#f-displayName', 'مدربة جديدة');
    await h.page.fill('#f-phone', '+963944777888');
    await h.page.check('#f-roleTrainer');
    await submit(h.page, 'form[action="/admin/users"] button[type=submit]');
    await checkPage(h.page, 'user-invited', { lang: 'ar' });
    const link = (await h.page.textContent('#invite-link'))!.trim();
    expect(link).toMatch(/\/invite\/[a-z0-9]+$/);

    // the user list shows the new person, phone kept left-to-right
    await h.page.goto(`${h.url}/admin/users?q=new.trainer`);
    await checkPage(h.page, 'users-search', { lang: 'ar' });
    expect(await h.page.textContent('main')).toContain('مدربة جديدة');

    await h.context.clearCookies();
    await h.page.goto(new URL(new URL(link).pathname, h.url).href);
    await checkPage(h.page, 'invite', { lang: 'ar' });
    await h.page.fill('#f-password', 'a-very-good-password');
    await h.page.fill('#f-confirm', 'a-very-good-password');
    await submit(h.page, 'main form button[type=submit]');
    expect(new URL(h.page.url()).pathname).toBe('/');
    await checkPage(h.page, 'invitee-dashboard', { lang: 'ar' });

    // signs out, and in again with the new password; the link no longer works
    await submit(h.page, 'form[action="/logout"] button');
    await signIn(h, 'new.trainer', 'a-very-good-password');
    expect(new URL(h.page.url()).pathname).toBe('/');
    await h.context.clearCookies();
    const again = await h.page.goto(new URL(new URL(link).pathname, h.url).href);
    expect(again?.status()).toBe(410);
    await checkPage(h.page, 'invite-used', { lang: 'ar', status: 'any' });
  });

  it('fits a 390×844 phone: no sideways scrolling, the menu opens', { timeout: 180_000 }, async () => {
    await h.page.setViewportSize(PHONE);
    try {
      await h.context.clearCookies();
      await h.page.goto(`${h.url}/login`);
      await checkPage(h.page, 'phone-login', { lang: 'ar' });
      for (const role of ['trainer', 'office']) {
        await signIn(h, role);
        await checkPage(h.page, `phone-${role}-dashboard`, { lang: 'ar' });
        await h.page.click('details.menu summary');
        expect(await h.page.isVisible('details.menu nav')).toBe(true);
        await checkPage(h.page, `phone-${role}-menu`, { lang: 'ar' });
        for (const href of (await menuLinks(h)).slice(0, 6)) {
          await h.page.goto(h.url + href);
          await checkPage(h.page, `phone-${role}${href}`, { lang: 'ar' });
        }
      }
    } finally {
      await h.page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
