import type { Scope } from '../scopes.ts';

/**
 * Every word the hosted pages show, in one place: a translation is another object of this type. Scopes
 * are described to the person reading the consent page, in the second person.
 */
export const en = {
  lang: 'en',
  common: {
    or: 'or',
    email: 'Email',
    password: 'Password',
    newPassword: 'New password',
    name: 'Name (optional)',
    passwordRules: 'At least 8 characters. A phrase of a few words is easy to remember and hard to guess.',
    formExpired: 'The form expired. Go back, reload the page and try again.',
    foreignForm: 'This form may only be sent from this site.',
    tryAgainLater: (seconds: number) => `Too many attempts. Try again in ${seconds} seconds.`,
  },
  signIn: {
    title: (client: string) => `Sign in to continue to ${client}`,
    heading: 'Sign in',
    toContinue: 'to continue to',
    submit: 'Sign in',
    forgot: 'Forgot your password?',
    noAccount: 'No account yet?',
    createOne: 'Create one',
    withProvider: (provider: string) => `Continue with ${provider}`,
    wrongCredentials: 'Wrong email or password.',
    confirmFirst: 'Confirm your email address first: we sent you a new link.',
    signInFirst: 'Sign in first.',
    signedInAs: 'You are signed in as',
    notYou: 'Not you? Use another account',
    upstreamFailed: (code: string) => (code === 'access_denied'
      ? 'The sign-in with the other provider was cancelled.'
      : code === 'EMAIL_TAKEN'
        ? 'An account already uses the email address of that provider account. Sign in with your password instead.'
        : code === 'EMAIL_NOT_VERIFIED'
          ? 'Confirm your email address first: we sent you a link.'
          : 'The sign-in with the other provider did not work. Try again.'),
    providerUnavailable: (provider: string) => `${provider} cannot be reached right now. Try again later.`,
  },
  secondFactor: {
    title: (client: string) => `Two-step verification to continue to ${client}`,
    heading: 'Two-step verification',
    code: 'Code from your authenticator app, or a recovery code',
    submit: 'Verify',
    back: 'Back to sign in',
    wrongCode: 'That code is wrong or already used.',
    tooSlow: 'That took too long; sign in again.',
    noSecondFactor: 'The application asks for a second factor and the account has none.',
  },
  signUp: {
    title: (client: string) => `Create an account to continue to ${client}`,
    heading: 'Create an account',
    submit: 'Create account',
    haveAccount: 'Already have an account?',
    signIn: 'Sign in',
    emailTaken: 'An account with this email address exists. Sign in, or reset its password.',
    checkInbox: (email: string) => `Account created. We sent a link to ${email}: open it to confirm your address, then sign in.`,
  },
  forgotPassword: {
    title: 'Reset your password',
    heading: 'Reset your password',
    intro: 'Enter the email address of your account and we will mail you a link to choose a new password.',
    submit: 'Mail me a link',
    back: 'Back to sign in',
    sent: (email: string) => `If an account uses ${email}, a link to reset its password is on its way. It works once, for 30 minutes.`,
  },
  consent: {
    title: (client: string) => `Allow ${client}?`,
    heading: (client: string) => `Allow ${client}?`,
    signedInAs: 'Signed in as',
    notYou: 'Not you?',
    redirectsTo: 'After you decide, you go back to',
    asksTo: (client: string) => `${client} would like to:`,
    allow: 'Allow',
    deny: 'Cancel',
    chooseOne: 'Choose Allow or Cancel.',
    hint: 'Only allow apps you trust. You can take this access back at any time.',
  },
  scopes: {
    openid: 'Know who you are when you sign in',
    profile: 'See your name',
    email: 'See your email address',
    'sessions:manage': 'See and end your sessions, and change your password',
    'apikeys:manage': 'Create, change and revoke your API keys, and see how they are used',
    'apikeys:verify': 'Check API keys that other services hand to it',
    admin: 'Act as you with administrator rights',
  } satisfies Record<Scope, string>,
  error: {
    title: 'Something went wrong',
    heading: 'We cannot continue',
    back: 'Go back to the app and start again. If it happens again, tell the app\'s support what you see here.',
    badRequest: 'The app sent you here with a request we cannot accept',
    methodNotAllowed: 'This page only answers to GET and POST.',
  },
  verifyEmail: {
    title: 'Confirm your email address',
    heading: 'Confirm your email address',
    intro: 'Press the button to confirm that this email address is yours.',
    submit: 'Confirm my address',
    done: (email: string) => `Thank you: ${email} is confirmed. You can close this page, or go back to the app and sign in.`,
    doneHeading: 'Address confirmed',
    invalid: 'This link is invalid, expired or was already used. Ask for a new one from the app: sign in, and we will send one.',
    missing: 'This page needs the link from your email. Open the link in the mail again.',
  },
  resetPassword: {
    title: 'Choose a new password',
    heading: 'Choose a new password',
    intro: 'Setting a new password signs your account out on every device.',
    submit: 'Save new password',
    doneHeading: 'Password changed',
    done: 'Your password is changed and your account is signed out everywhere. Go back to the app and sign in with the new password.',
    invalid: 'This link is invalid, expired or was already used. Ask for a new one with "Forgot your password?" on the sign-in page.',
    missing: 'This page needs the link from your email. Open the link in the mail again.',
  },
};

type Messages = typeof en;

/** The messages the pages show; one language for now. */
export const messages: Messages = en;
