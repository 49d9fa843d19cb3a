// The one place the running version is read from; the bundler inlines just this field.
export { version } from '../package.json';
