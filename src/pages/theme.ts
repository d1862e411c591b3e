import type { PagesConfig } from '../config.ts';

/** WCAG 2.x relative luminance of a `#rgb` or `#rrggbb` colour. */
function luminance(hex: string): number {
  const digits = hex.length === 4 ? [...hex.slice(1)].map((d) => d + d) : [hex.slice(1, 3), hex.slice(3, 5), hex.slice(5, 7)];
  const [r, g, b] = digits.map((d) => {
    const c = Number.parseInt(d, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.x contrast ratio of two colours, from 1 to 21. */
function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

const TEXT = '#1f2328';
const SURFACE = '#ffffff';

/**
 * The default stylesheet: neutral, one column, readable on a phone. The primary colour fills the primary
 * button; its text is black or white, whichever contrasts more, and links use the primary colour only
 * when it reaches WCAG AA (4.5:1) on white, so no configured colour makes a page unreadable.
 */
export function stylesheet(pages: PagesConfig): string {
  const primary = pages.primaryColor;
  const onPrimary = contrast(primary, '#ffffff') >= contrast(primary, '#000000') ? '#ffffff' : '#000000';
  const link = contrast(primary, SURFACE) >= 4.5 ? primary : TEXT;
  return [
    `:root{--primary:${primary};--on-primary:${onPrimary};--link:${link};--text:${TEXT};--muted:#57606a;--line:#8c959f;--surface:${SURFACE};--page:#f6f7f9}`,
    '*{box-sizing:border-box}',
    'body{margin:0;padding:0 1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--text);background:var(--page)}',
    'header{display:flex;align-items:center;justify-content:center;gap:.6rem;margin:2rem 0 1rem;font-size:1.2rem;font-weight:600}',
    'header img{height:2rem;width:auto}',
    'main{max-width:26rem;margin:0 auto 2rem;padding:1.75rem 1.5rem;background:var(--surface);border:1px solid #d0d7de;border-radius:12px}',
    'h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}',
    'p{margin:.5rem 0}',
    'label{display:block;margin:1rem 0 .25rem;font-weight:600}',
    '.help{display:block;color:var(--muted);font-size:.875rem;margin:.25rem 0 0}',
    'input[type=email],input[type=password],input[type=text]{display:block;width:100%;padding:.6rem .7rem;font:inherit;color:inherit;background:var(--surface);border:1px solid var(--line);border-radius:6px}',
    'button{display:block;width:100%;margin:1rem 0 0;padding:.65rem 1rem;font:inherit;font-weight:600;border-radius:6px;cursor:pointer}',
    '.primary{color:var(--on-primary);background:var(--primary);border:1px solid var(--primary)}',
    '.secondary{color:var(--text);background:var(--surface);border:1px solid var(--line)}',
    '.link{display:inline;width:auto;margin:0;padding:0;font-weight:400;color:var(--link);background:none;border:0;text-decoration:underline}',
    'a{color:var(--link)}',
    ':focus-visible{outline:3px solid var(--primary);outline-offset:2px}',
    '.alert{padding:.6rem .8rem;border-radius:6px;color:#8a1c12;background:#fdecea;border:1px solid #f1aeb5}',
    '.notice{padding:.6rem .8rem;border-radius:6px;color:#0b4a2a;background:#e6f4ea;border:1px solid #a6d8b5}',
    '.divider{display:flex;align-items:center;gap:.75rem;margin:1.25rem 0 0;color:var(--muted)}',
    '.divider::before,.divider::after{content:"";flex:1;border-top:1px solid #d0d7de}',
    '.scopes{padding-left:1.25rem}',
    '.scopes li{margin:.35rem 0}',
    '.muted{color:var(--muted);font-size:.875rem}',
    '.row{display:flex;gap:.75rem}',
    '.row>*{flex:1}',
    '.inline{display:inline}',
  ].join('');
}
