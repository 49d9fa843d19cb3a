import { useAppStore } from '../store/store-context';

export function AboutLine() {
  const info = useAppStore((state) => state.appInfo);
  return (
    <footer className="about" data-testid="about">
      {info ? (
        <>
          <span>Lifeline {info.version}</span>
          <span aria-hidden="true">·</span>
          <span>{info.mode === 'web' ? 'web console' : 'desktop'}</span>
          <span aria-hidden="true">·</span>
          <span className="about-data">
            Data folder: <code title={info.dataDir}>{info.dataDir}</code>
          </span>
        </>
      ) : (
        <span>Lifeline</span>
      )}
    </footer>
  );
}
