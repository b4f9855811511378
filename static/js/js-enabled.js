// GOV.UK Frontend styles some components differently once JavaScript runs; loaded as the
// first thing in <body> so the page does not jump. A file, not inline: the CSP allows no inline script.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
