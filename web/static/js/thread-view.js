// Exporting a thread: plain text, Markdown, a file download.

export function asText(posts) {
  return posts.join('\n\n');
}

export function asMarkdown(posts, source) {
  const title = source?.title ? `# ${source.title}\n\n` : '';
  const link = source?.canonical_url || source?.url;
  const from = link ? `Source: <${link}>\n\n` : '';
  return `${title}${from}${posts.join('\n\n---\n\n')}\n`;
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
