import { readFileSync } from 'node:fs';
import ts from 'typescript';

/** A declaration of the published API and what its doc comment lacks. */
export interface DocGap {
  readonly name: string;
  readonly missing: 'doc comment' | 'example';
}

/**
 * What the doc comments of a rolled-up .d.ts lack: every top-level declaration (all of them are
 * reachable from the package's exports) needs a comment with an `@example`, and every member of
 * a class, interface, enum or object type a comment of its own.
 */
export function docGaps(dtsPath: string): DocGap[] {
  const source = ts.createSourceFile(dtsPath, readFileSync(dtsPath, 'utf8'), ts.ScriptTarget.Latest, true);
  const gaps: DocGap[] = [];
  const docsOf = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const checkMembers = (owner: string, members: readonly ts.Node[]) => {
    for (const member of members) {
      const memberName = (member as ts.NamedDeclaration).name?.getText(source) ?? 'constructor';
      if (ts.isIndexSignatureDeclaration(member)) continue;
      const name = `${owner}.${memberName}`;
      if (docsOf(member).length === 0 && !isPrivate(member)) gaps.push({ name, missing: 'doc comment' });
    }
  };
  for (const statement of source.statements) {
    const declarations = ts.isVariableStatement(statement) ? statement.declarationList.declarations : [statement];
    const name = declarations.map((d) => (d as ts.NamedDeclaration).name?.getText(source)).find((n) => n !== undefined);
    if (name === undefined) continue; // export { ... }, imports
    const docs = docsOf(statement);
    if (docs.length === 0) gaps.push({ name, missing: 'doc comment' });
    else if (!docs.some((doc) => doc.tags?.some((tag) => tag.tagName.text === 'example'))) gaps.push({ name, missing: 'example' });
    if (ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement)) checkMembers(name, statement.members);
    if (ts.isEnumDeclaration(statement)) checkMembers(name, statement.members);
    if (ts.isTypeAliasDeclaration(statement) && ts.isTypeLiteralNode(statement.type)) checkMembers(name, statement.type.members);
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (declaration.type && ts.isTypeLiteralNode(declaration.type)) checkMembers(name, declaration.type.members);
      }
    }
  }
  return gaps;
}

function isPrivate(member: ts.Node): boolean {
  return ts.canHaveModifiers(member) && (ts.getModifiers(member) ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.PrivateKeyword);
}
