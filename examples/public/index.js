// Fills in this server's address in the example command.
for (const code of document.querySelectorAll('code')) {
  code.textContent = code.textContent.replace('HOST', location.host);
}
