// esbuild bundles the page's stylesheet from `import "./styles.css"`.
declare module "*.css";
