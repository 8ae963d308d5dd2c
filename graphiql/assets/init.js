// Mounts GraphiQL on /graphql. The token goes in the headers tab, which opens first; it
// is not persisted in the browser's storage.
(function () {
  'use strict';
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultEditorToolsVisibility: 'headers',
    defaultHeaders: '{"Authorization": "Bearer <token>"}',
    shouldPersistHeaders: false,
    defaultQuery: '# 在 Headers 中填入令牌后运行\n{\n  me { subject role area { code name } }\n}\n'
  }));
})();
