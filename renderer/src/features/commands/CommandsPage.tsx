export function CommandsPage() {
  return <h1>Commands</h1>;
}
