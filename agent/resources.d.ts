// Text files bundled into the code by Vite (electron-vite for the build, vitest for the tests), so that
// they need no path at run time: the packaged app has no resources/ folder next to its code.
declare module '*?raw' {
  const text: string;
  export default text;
}
