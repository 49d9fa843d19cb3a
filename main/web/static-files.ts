import { createReadStream } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { contentTypeOf, isWithin, resolveRendererFile } from '../renderer-files';
import { WebConsoleError } from './errors';
import { sendRefusal } from './responses';

/** The built renderer, served read-only from one folder. */
export class StaticFiles {
  private constructor(private readonly root: string) {}

  /** Opens the folder; refuses to start without an index.html, which would serve nothing but 404s. */
  static async open(dir: string): Promise<StaticFiles> {
    try {
      const root = await realpath(dir);
      await access(join(root, 'index.html'));
      return new StaticFiles(root);
    } catch {
      throw new WebConsoleError(
        'RENDERER_MISSING',
        `The web console's files are missing: ${join(dir, 'index.html')} does not exist. Run \`npm run build\` first.`,
      );
    }
  }

  /** Answers a GET or HEAD for `rawPath` (the request path as sent, still percent-encoded). */
  async serve(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
    const file = resolveRendererFile(this.root, rawPath);
    if (file === null) return sendRefusal(req, res, 400, 'This path is not allowed. Open the console at /.');
    const found = await this.insideRoot(file);
    if (!found) return sendRefusal(req, res, 404, `Nothing at ${rawPath.slice(0, 200)}. Open the console at /.`);
    res.writeHead(200, {
      'Content-Type': contentTypeOf(found.path),
      'Content-Length': found.size,
      // The page must never be reused from a cache after a rebuild; the assets it names are revalidated.
      'Cache-Control': found.path.endsWith('.html') ? 'no-store' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // pipeline destroys the response if the file fails mid-way, so the client sees a cut, not a hang.
    await pipeline(createReadStream(found.path), res).catch(() => undefined);
  }

  // A symbolic link inside the folder must not lead out of it.
  private async insideRoot(file: string): Promise<{ path: string; size: number } | null> {
    try {
      const real = await realpath(file);
      if (!isWithin(this.root, real)) return null;
      const info = await stat(real);
      return info.isFile() ? { path: real, size: info.size } : null;
    } catch {
      return null;
    }
  }
}
