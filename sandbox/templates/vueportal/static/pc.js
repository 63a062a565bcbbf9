/* The PC portal: a single-page app in the DOM shapes of Vue + Element UI (hash routes).
 *
 * #/home, #/search?keyword=, #/dept(?name=), #/theme(?name=), #/guide?itemCode=
 * Everything the page shows comes from POST JSON calls to CFG.api; text is always set with
 * textContent, except the search highlighter's fragments, which the server escapes. */
(function () {
  'use strict';
  var CFG = window.__PORTAL_CONFIG__;
  var app = document.getElementById('app');
  var view = null;
  var renderToken = 0;

  // ------------------------------------------------------------------ helpers

  var V = window.__PORTAL_VENDOR__, h = V.h, add = V.add, text = V.text;
  function post(path, body) { return V.post(CFG.api + path, body); }
  function route() {
    var raw = location.hash.replace(/^#/, '');
    var at = raw.indexOf('?');
    return {
      path: (at < 0 ? raw : raw.slice(0, at)) || '/home',
      query: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1))
    };
  }
  function push(path, query) {
    var target = '#' + path + (query ? '?' + new URLSearchParams(query).toString() : '');
    if (location.hash === target) { render(); } else { location.hash = target; }
  }
  function guideUrl(code) {
    return location.pathname + location.search + '#/guide?itemCode=' + encodeURIComponent(code);
  }
  function openGuide(code) { window.open(guideUrl(code), '_blank'); }
  function loadingMask() {
    return h('div', {class: 'el-loading-mask'},
      h('div', {class: 'el-loading-spinner'}, h('div', {class: 'circular'}),
        h('p', {class: 'el-loading-text', text: '拼命加载中'})));
  }
  function empty(message) {
    return h('div', {class: 'el-empty'}, h('div', {class: 'el-empty__image'}),
      h('div', {class: 'el-empty__description'}, h('p', {text: message})));
  }
  function breadcrumb(items) {
    return h('div', {class: 'el-breadcrumb', 'aria-label': 'Breadcrumb', role: 'navigation'},
      items.map(function (item) {
        var inner = h('span', {class: 'el-breadcrumb__inner' + (item.go ? ' is-link' : ''), role: 'link', text: item.label});
        if (item.go) { inner.addEventListener('click', item.go); }
        return h('span', {class: 'el-breadcrumb__item'}, inner);
      }));
  }

  // ------------------------------------------------------------------ layout

  var menu = [
    {label: '首页', path: '/home'},
    {label: '个人办事', path: '/dept', query: {name: '社会保障'}},
    {label: '法人办事', path: '/dept', query: {name: '市场监管'}},
    {label: '部门服务', path: '/dept'},
    {label: '主题服务', path: '/theme'}
  ];
  var menuItems = [];

  function layout() {
    var top = h('div', {class: 'portal-top'}, h('div', {class: 'portal-top__inner'},
      h('span', {text: '欢迎访问' + CFG.siteName + '！'}),
      h('span', null,
        h('a', {href: '/login', class: 'portal-login', text: '登录'}),
        h('a', {href: '/login', text: '注册'}),
        h('a', {href: CFG.h5Home, text: '移动版'}),
        h('a', {href: CFG.hdjl, class: 'portal-hdjl', text: '互动交流'}))));
    var logo = h('div', {class: 'portal-logo', onclick: function () { push('/home'); }},
      h('span', {class: 'portal-logo__emblem'}), h('span', {class: 'portal-logo__name', text: CFG.siteName}));
    var header = h('header', {class: 'portal-header'}, h('div', {class: 'portal-header__inner'}, logo,
      h('div', {class: 'portal-area'}, h('i', {class: 'el-icon-location-outline'}), ' 当前站点：',
        h('strong', {class: 'portal-area__name', text: CFG.cityName}))));
    var ul = h('ul', {role: 'menubar', class: 'el-menu el-menu--horizontal'});
    menu.forEach(function (item) {
      var li = h('li', {role: 'menuitem', tabindex: '-1', class: 'el-menu-item', text: item.label});
      li.addEventListener('click', function () { push(item.path, item.query); });
      menuItems.push({li: li, item: item});
      ul.appendChild(li);
    });
    ul.appendChild(h('li', {role: 'menuitem', class: 'el-menu-item'}, h('a', {href: CFG.hdjl, text: '互动交流'})));
    var nav = h('div', {class: 'portal-nav'}, h('div', {class: 'portal-nav__inner'}, ul));
    view = h('div', {class: 'portal-main'});
    var footer = h('footer', {class: 'portal-footer'}, h('div', {class: 'portal-footer__inner'},
      h('div', {text: '主办单位：' + CFG.sponsor + '　　承办：' + CFG.cityName + '市大数据中心'}),
      h('div', {text: CFG.icp + '　　政务服务便民热线：12345　　建议使用1366×768以上分辨率浏览'})));
    add(app, [top, header, nav, view, footer]);
  }

  function markMenu(path, query) {
    var name = query.get('name');
    var exact = menuItems.filter(function (m) {
      return m.item.path === path && m.item.query && m.item.query.name === name;
    });
    menuItems.forEach(function (m) {
      var on = exact.length ? exact.indexOf(m) >= 0 : m.item.path === path && !m.item.query;
      m.li.className = 'el-menu-item' + (on ? ' is-active' : '');
    });
  }

  function searchBar(keyword) {
    var input = h('input', {type: 'text', autocomplete: 'off', placeholder: '请输入事项名称、关键词', class: 'el-input__inner'});
    input.value = keyword || '';
    var button = h('button', {type: 'button', class: 'el-button el-button--primary search-btn'}, h('i', {class: 'el-icon-search'}));
    function go() {
      var value = input.value.trim();
      if (!value) { input.focus(); return; }
      push('/search', {keyword: value});
    }
    button.addEventListener('click', go);
    input.addEventListener('keyup', function (e) { if (e.key === 'Enter' || e.keyCode === 13) { go(); } });
    return h('div', {class: 'search-bar'}, h('div', {class: 'el-input el-input--large'}, input), button);
  }

  // ------------------------------------------------------------------ views

  function renderHome(token) {
    var hot = h('div', {class: 'hot-words'}, '热门搜索：');
    ['营业执照', '社保', '公积金提取', '不动产登记', '居民身份证'].forEach(function (word) {
      hot.appendChild(h('span', {class: 'hot-word', text: word, onclick: function () { push('/search', {keyword: word}); }}));
    });
    var banner = h('div', {class: 'home-banner'}, h('h1', {text: CFG.cityName + ' · 一网通办，让群众少跑腿'}), searchBar(''), hot);
    var depts = h('div', {class: 'el-card__body view-loading'}, loadingMask());
    var themes = h('div', {class: 'el-card__body view-loading'}, loadingMask());
    add(view, [banner,
      h('div', {class: 'el-card is-always-shadow dept-card'}, h('div', {class: 'el-card__header', text: '部门服务'}), depts),
      h('div', {class: 'el-card is-always-shadow theme-card'}, h('div', {class: 'el-card__header', text: '主题服务'}), themes)]);
    post('/catalog', {areaCode: CFG.areaCode, terminal: 'PC'}).then(function (json) {
      if (token !== renderToken) { return; }
      fillChips(depts, '/dept', json.data ? json.data.depts : []);
      fillChips(themes, '/theme', json.data ? json.data.themes : []);
    }).catch(function () { depts.textContent = '加载失败，请刷新重试'; themes.textContent = ''; });
  }

  function fillChips(box, path, items) {
    box.className = 'el-card__body';
    box.textContent = '';
    var list = h('div', {class: 'chip-list'});
    items.forEach(function (item) {
      list.appendChild(h('a', {href: '#' + path + '?' + new URLSearchParams({name: item.name}).toString()},
        item.name, h('span', {class: 'count', text: '（' + item.count + '）'})));
    });
    box.appendChild(list);
  }

  function itemCard(record) {
    var title = h('span', {class: 'item-title'});
    if (record.highlightName) { title.innerHTML = record.highlightName; } else { title.textContent = record.itemName; }
    title.addEventListener('click', function () { openGuide(record.itemCode); });
    return h('div', {class: 'item-card'},
      h('div', {class: 'item-card__head'}, title,
        record.isOnline === '1' ? h('span', {class: 'el-tag el-tag--success el-tag--small el-tag--light', text: '可网办'}) : null),
      h('div', {class: 'item-card__meta'},
        h('span', {text: '实施主体：' + text(record.deptName)}),
        h('span', {text: '事项类型：' + text(record.itemType)})));
  }

  function pagination(total, page, size, change) {
    var pages = Math.max(1, Math.ceil(total / size));
    var prev = h('button', {type: 'button', class: 'btn-prev', disabled: page <= 1}, h('i', {class: 'el-icon el-icon-arrow-left'}));
    var next = h('button', {type: 'button', class: 'btn-next', disabled: page >= pages}, h('i', {class: 'el-icon el-icon-arrow-right'}));
    prev.addEventListener('click', function () { if (page > 1) { change(page - 1); } });
    next.addEventListener('click', function () { if (page < pages) { change(page + 1); } });
    var pager = h('ul', {class: 'el-pager'});
    var shown = [];
    if (pages <= 7) {
      for (var n = 1; n <= pages; n++) { shown.push(n); }
    } else {
      shown.push(1);
      var from = Math.max(2, page - 2), to = Math.min(pages - 1, page + 2);
      if (from > 2) { shown.push('prev-more'); }
      for (var m = from; m <= to; m++) { shown.push(m); }
      if (to < pages - 1) { shown.push('next-more'); }
      shown.push(pages);
    }
    shown.forEach(function (n) {
      if (typeof n === 'string') {
        var jump = n === 'prev-more' ? Math.max(1, page - 5) : Math.min(pages, page + 5);
        pager.appendChild(h('li', {class: 'el-icon more btn-quick' + (n === 'prev-more' ? 'prev' : 'next') + ' el-icon-more', onclick: function () { change(jump); }}));
        return;
      }
      var li = h('li', {class: 'number' + (n === page ? ' active' : ''), text: String(n)});
      li.addEventListener('click', function () { if (n !== page) { change(n); } });
      pager.appendChild(li);
    });
    return h('div', {class: 'el-pagination is-background'},
      h('span', {class: 'el-pagination__total', text: '共 ' + total + ' 条'}), prev, pager, next);
  }

  // a paged list of item cards, filled by one API; used by search and by navigation
  function pagedList(box, path, body, headline, token) {
    var page = 1;
    function load() {
      box.textContent = '';
      box.className = 'result-box view-loading';
      box.appendChild(loadingMask());
      post(path, Object.assign({}, body, {pageNo: page, pageSize: CFG.pageSize})).then(function (json) {
        if (token !== renderToken) { return; }
        box.textContent = '';
        box.className = 'result-box';
        if (!json.data) { box.appendChild(empty(json.error || '系统繁忙，请稍后再试')); return; }
        var data = json.data;
        box.appendChild(headline(data.total));
        if (!data.records.length) { box.appendChild(empty('暂无相关事项')); return; }
        var list = h('div', {class: 'item-list'});
        data.records.forEach(function (record) { list.appendChild(itemCard(record)); });
        box.appendChild(list);
        box.appendChild(pagination(data.total, page, CFG.pageSize, function (n) {
          page = n; load(); window.scrollTo(0, 0);
        }));
      }).catch(function (err) {
        if (token !== renderToken) { return; }
        box.textContent = '';
        box.appendChild(empty('网络异常：' + err.message));
      });
    }
    load();
  }

  function renderSearch(query, token) {
    var keyword = query.get('keyword') || '';
    var box = h('div', {class: 'result-box'});
    add(view, [breadcrumb([{label: '首页', go: function () { push('/home'); }}, {label: '搜索结果'}]), searchBar(keyword), box]);
    document.title = '搜索 - ' + CFG.siteName;
    pagedList(box, '/item/search', {keyword: keyword, areaCode: CFG.areaCode, terminal: 'PC'}, function (total) {
      return h('div', {class: 'result-head'}, '为您找到与“', h('span', {class: 'keyword', text: keyword}), '”相关的事项',
        h('span', {class: 'total', text: String(total)}), '个');
    }, token);
  }

  function renderNav(kind, query, token) {
    var name = query.get('name') || '';
    var title = kind === 'dept' ? '部门服务' : '主题服务';
    var side = h('ul', {role: 'menubar', class: 'el-menu el-menu--vertical'});
    var body = h('div', {class: 'nav-body'});
    add(view, [breadcrumb([{label: '首页', go: function () { push('/home'); }}, {label: title}].concat(name ? [{label: name}] : [])),
      h('div', {class: 'nav-layout'}, h('div', {class: 'nav-side'}, side), body)]);
    document.title = (name || title) + ' - ' + CFG.siteName;
    side.appendChild(h('li', {class: 'el-menu-item', text: '加载中…'}));
    post('/catalog', {areaCode: CFG.areaCode, terminal: 'PC'}).then(function (json) {
      if (token !== renderToken) { return; }
      side.textContent = '';
      var items = json.data ? json.data[kind === 'dept' ? 'depts' : 'themes'] : [];
      items.forEach(function (item) {
        var li = h('li', {role: 'menuitem', class: 'el-menu-item' + (item.name === name ? ' is-active' : ''), text: item.name});
        li.addEventListener('click', function () { push('/' + kind, {name: item.name}); });
        side.appendChild(li);
      });
      if (!name) {
        body.appendChild(h('div', {class: 'el-card'}, h('div', {class: 'el-card__header', text: '请选择' + (kind === 'dept' ? '部门' : '主题')}),
          h('div', {class: 'el-card__body'}, h('div', {class: 'chip-list'}, items.map(function (item) {
            return h('a', {href: '#/' + kind + '?' + new URLSearchParams({name: item.name}).toString()}, item.name,
              h('span', {class: 'count', text: '（' + item.count + '）'}));
          })))));
      }
    });
    if (name) {
      var box = h('div', {class: 'result-box'});
      body.appendChild(box);
      pagedList(box, '/item/list', {type: kind, name: name, areaCode: CFG.areaCode, terminal: 'PC'}, function (total) {
        return h('div', {class: 'result-head'}, h('strong', {text: name}), '　共', h('span', {class: 'total', text: String(total)}), '个事项');
      }, token);
    }
  }

  // ------------------------------------------------------------------ the guide

  function days(day, type) { return day === null || day === undefined ? null : text(day) + text(type); }
  function joined(list, key) {
    var values = (list || []).map(function (x) { return x[key]; }).filter(function (v) { return v !== null && v !== undefined; });
    return values.length ? values.map(text).join('；') : null;
  }

  // el-descriptions, two label/value pairs a row; a wide pair takes a row of its own
  function descriptions(pairs) {
    var tbody = h('tbody');
    var row = null;
    pairs.forEach(function (pair) {
      var wide = pair[2];
      if (wide || !row || row.children.length >= 4) {
        if (row && row.children.length === 2) { row.children[1].setAttribute('colspan', '3'); }
        row = h('tr', {class: 'el-descriptions-row'});
        tbody.appendChild(row);
      }
      row.appendChild(h('th', {colspan: '1', class: 'el-descriptions-item__cell el-descriptions-item__label is-bordered-label el-descriptions__label', text: pair[0]}));
      row.appendChild(h('td', {colspan: wide ? '3' : '1', class: 'el-descriptions-item__cell el-descriptions-item__content el-descriptions__content', text: text(pair[1])}));
      if (wide) { row = null; }
    });
    if (row && row.children.length === 2) { row.children[1].setAttribute('colspan', '3'); }
    return h('div', {class: 'el-descriptions'}, h('div', {class: 'el-descriptions__body'},
      h('table', {class: 'el-descriptions__table is-bordered el-descriptions--medium'}, tbody)));
  }

  function elTable(columns, rows) {
    var cols = function () { return h('colgroup', null, columns.map(function (c, i) { return h('col', {name: 'el-table_1_column_' + (i + 1), width: c.width || null}); })); };
    var head = h('tr', null, columns.map(function (c, i) {
      return h('th', {colspan: '1', rowspan: '1', class: 'el-table_1_column_' + (i + 1) + ' is-leaf'}, h('div', {class: 'cell', text: c.label}));
    }));
    var body = h('tbody');
    rows.forEach(function (r, n) {
      body.appendChild(h('tr', {class: 'el-table__row'}, columns.map(function (c, i) {
        var content = c.cell(r, n);
        return h('td', {rowspan: '1', colspan: '1', class: 'el-table_1_column_' + (i + 1)},
          h('div', {class: 'cell' + (c.cls ? ' ' + c.cls : '')}, typeof content === 'string' ? document.createTextNode(content) : content));
      })));
    });
    return h('div', {class: 'el-table el-table--fit el-table--border el-table--enable-row-hover el-table--medium'},
      h('div', {class: 'el-table__header-wrapper'}, h('table', {cellspacing: '0', cellpadding: '0', border: '0', class: 'el-table__header'}, cols(), h('thead', {class: 'has-gutter'}, head))),
      h('div', {class: 'el-table__body-wrapper is-scrolling-none'}, h('table', {cellspacing: '0', cellpadding: '0', border: '0', class: 'el-table__body'}, cols(), body)));
  }

  function fileLink(url, label) {
    return url ? h('a', {href: url, target: '_blank', class: 'el-link el-link--primary', text: label}) : '无';
  }

  function materialsPane(pane, code, token) {
    pane.classList.add('view-loading');
    pane.appendChild(loadingMask());
    post('/item/materials', {itemCode: code, terminal: 'PC'}).then(function (json) {
      if (token !== renderToken || !pane.isConnected) { return; }
      pane.classList.remove('view-loading');
      pane.textContent = '';
      if (!json.data) { pane.appendChild(empty(json.error || '暂无申请材料')); return; }
      pane.appendChild(elTable([
        {label: '序号', width: '60', cell: function (m, n) { return String(n + 1); }},
        {label: '材料名称', width: '300', cls: 'material-name', cell: function (m) { return text(m.MATERIAL_NAME); }},
        {label: '材料形式', cell: function (m) { return text(m.ZZHDZB_TEXT); }},
        {label: '份数', cell: function (m) { return text(m.PAGE_NUM); }},
        {label: '来源渠道', cell: function (m) { return text(m.SOURCE_TYPE_TEXT); }},
        {label: '是否必要', cell: function (m) { return text(m.IS_NEED_TEXT); }},
        {label: '空白表格', cell: function (m) { return fileLink(m.FORM_URL, '空白表格'); }},
        {label: '示例样表', cell: function (m) { return fileLink(m.EXAMPLE_URL, '示例样表'); }}
      ], json.data));
    }).catch(function () {
      if (!pane.isConnected) { return; }
      pane.textContent = '';
      pane.appendChild(empty('材料加载失败，请稍后重试'));
    });
  }

  function steps(flow) {
    return h('div', {class: 'el-steps el-steps--horizontal'}, flow.map(function (s, i) {
      return h('div', {class: 'el-step is-horizontal is-center'},
        h('div', {class: 'el-step__head is-process'}, h('div', {class: 'el-step__line'}),
          h('div', {class: 'el-step__icon is-text'}, h('div', {class: 'el-step__icon-inner', text: String(i + 1)}))),
        h('div', {class: 'el-step__main'}, h('div', {class: 'el-step__title is-process', text: text(s.STEP_NAME)})));
    }));
  }

  function guideTabs(data) {
    var item = data.AUDIT_ITEM, result = data.AUDIT_ITEM_RESULT || {};
    var lobby = data.AUDIT_CATALOG_LOBBY || [], flow = data.AUDIT_ITEM_FLOWSHEET || [];
    var flowText = flow.length ? flow.map(function (s) { return text(s.STEP_NAME); }).join('→') : null;
    return [
      {name: 'basic', title: '基本信息', always: true, pairs: [
        ['事项名称', item.CATANAME], ['实施编码', item.TASK_HANDLE_ITEM],
        ['事项类型', item.TASK_TYPE_TEXT, false, true], ['实施主体', item.DEPT_NAME, false, true],
        ['办件类型', item.PROJECT_TYPE_TEXT, false, true], ['服务对象', item.TASK_TYPE_TEXT === '公共服务' ? '自然人' : '企业法人', false, true],
        ['法定办结时限', days(item.ANTICIPATE_DAY, item.ANTICIPATE_TYPE_TEXT)],
        ['承诺办结时限', days(item.PROMISE_DAY, item.PROMISE_TYPE_TEXT)],
        ['到办事现场次数', item.LIMIT_SCENE_NUM], ['是否网办', item.ONLINECHECK_TEXT],
        ['审批结果', result.RESULT_NAME], ['审批结果类型', result.RESULT_TYPE_TEXT, false, true]]},
      {name: 'condition', title: '受理条件', pairs: [['受理条件', item.ACCEPT_CONDITION, true]]},
      {name: 'material', title: '申请材料', materials: data.MATERIAL_COUNT || 0},
      {name: 'flow', title: '办理流程', pairs: [['办理流程', flowText, true]], steps: flow},
      {name: 'fee', title: '收费标准', pairs: [['收费标准', item.IS_FEE_TEXT, true]]},
      {name: 'law', title: '设定依据', pairs: [['设定依据', joined(data.LAW, 'LAW_NAME'), true]]},
      {name: 'window', title: '窗口信息', pairs: [
        ['窗口名称', joined(lobby, 'WINDOW_NAME'), true, true], ['办理地点', joined(lobby, 'ADDRESS'), true],
        ['办理时间', joined(lobby, 'OFFICE_HOUR'), true]]},
      {name: 'supervise', title: '咨询监督', pairs: [['咨询方式', item.LINK_TEL], ['监督投诉方式', item.TSTEL]]}
    ].map(function (tab) {
      if (tab.pairs) { tab.pairs = tab.pairs.filter(function (p) { return p[1] !== null && p[1] !== undefined; }); }
      return tab;
    }).filter(function (tab) {
      if (tab.materials !== undefined) { return tab.materials > 0; }
      return tab.always || tab.pairs.some(function (p) { return !p[3]; });
    });
  }

  function renderGuide(query, token) {
    var code = query.get('itemCode') || '';
    var holder = h('div', {class: 'view-loading'}, loadingMask());
    add(view, [breadcrumb([{label: '首页', go: function () { push('/home'); }}, {label: '办事指南'}]), holder]);
    post('/item/detail', {itemCode: code, terminal: 'PC'}).then(function (json) {
      if (token !== renderToken) { return; }
      holder.className = 'guide';
      holder.textContent = '';
      if (!json.data) { holder.appendChild(empty(json.error || '未找到事项')); document.title = '未找到事项 - ' + CFG.siteName; return; }
      var data = json.data, item = data.AUDIT_ITEM;
      document.title = text(item.TASK_NAME) + ' - 办事指南 - ' + CFG.siteName;
      var consult = CFG.consult + '?' + new URLSearchParams({matter: text(item.TASK_NAME), region: text(item.AREA_CODE)}).toString();
      holder.appendChild(h('div', {class: 'guide-header'},
        h('h2', {class: 'guide-title', text: text(item.TASK_NAME)}),
        h('div', {class: 'guide-meta'}, h('span', {text: '实施主体：' + text(item.DEPT_NAME)}), h('span', {text: '事项类型：' + text(item.TASK_TYPE_TEXT)})),
        h('div', {class: 'guide-ops'},
          item.TRANSACT_WEB_URL ? h('a', {class: 'el-button el-button--primary online-apply', href: item.TRANSACT_WEB_URL, target: '_blank', text: '在线办理'}) : null,
          h('a', {class: 'el-button consult', href: consult, text: '我要咨询'}))));
      var tabs = guideTabs(data);
      var nav = h('div', {role: 'tablist', class: 'el-tabs__nav is-top'});
      var content = h('div', {class: 'el-tabs__content'});
      var heads = [];
      function open(tab) {
        heads.forEach(function (head) {
          var on = head.tab === tab;
          head.el.className = 'el-tabs__item is-top' + (on ? ' is-active' : '');
          head.el.setAttribute('aria-selected', on ? 'true' : 'false');
          head.el.setAttribute('tabindex', on ? '0' : '-1');
        });
        content.textContent = '';  // v-if: the other tabs' content is gone
        var pane = h('div', {role: 'tabpanel', 'aria-labelledby': 'tab-' + tab.name, id: 'pane-' + tab.name, class: 'el-tab-pane'});
        content.appendChild(pane);
        if (tab.materials !== undefined) { materialsPane(pane, code, token); return; }
        pane.appendChild(descriptions(tab.pairs));
        if (tab.steps && tab.steps.length > 1) { pane.appendChild(steps(tab.steps)); }
      }
      tabs.forEach(function (tab) {
        var el = h('div', {id: 'tab-' + tab.name, 'aria-controls': 'pane-' + tab.name, role: 'tab', tabindex: '-1', class: 'el-tabs__item is-top', text: tab.title});
        el.addEventListener('click', function () { open(tab); });
        el.addEventListener('keydown', function (e) { if (e.key === 'Enter') { open(tab); } });
        heads.push({el: el, tab: tab});
        nav.appendChild(el);
      });
      holder.appendChild(h('div', {class: 'el-tabs el-tabs--top el-tabs--border-card guide-tabs'},
        h('div', {class: 'el-tabs__header is-top'}, h('div', {class: 'el-tabs__nav-wrap is-top'},
          h('div', {class: 'el-tabs__nav-scroll'}, nav))), content));
      open(tabs[0]);
    }).catch(function (err) {
      if (token !== renderToken) { return; }
      holder.className = '';
      holder.textContent = '';
      holder.appendChild(empty('服务器繁忙，请稍后刷新重试（' + err.message + '）'));
    });
  }

  // ------------------------------------------------------------------ router

  function render() {
    var r = route();
    renderToken += 1;
    view.textContent = '';
    markMenu(r.path, r.query);
    document.title = CFG.siteName;
    window.scrollTo(0, 0);
    if (r.path === '/search') { renderSearch(r.query, renderToken); }
    else if (r.path === '/guide') { renderGuide(r.query, renderToken); }
    else if (r.path === '/dept') { renderNav('dept', r.query, renderToken); }
    else if (r.path === '/theme') { renderNav('theme', r.query, renderToken); }
    else { renderHome(renderToken); }
  }

  // ------------------------------------------------------------------ furniture

  function noticeDialog() {
    if (CFG.overlay === 'none') { return; }
    var modal = h('div', {class: 'v-modal', tabindex: '0'});
    var ok = h('button', {type: 'button', class: 'el-button el-button--primary', disabled: CFG.overlay === 'agreement'}, h('span', {text: '确 定'}));
    var close = h('button', {type: 'button', 'aria-label': 'Close', class: 'el-dialog__headerbtn'}, h('i', {class: 'el-dialog__close el-icon el-icon-close'}));
    var body = h('div', {class: 'el-dialog__body'},
      h('p', {text: '尊敬的用户：' + CFG.siteName + '已全面升级，部分事项请使用统一身份认证账号登录后办理。网上办事请如实填写申请信息，虚假申报将依法承担相应责任。'}));
    if (CFG.overlay === 'agreement') {
      var box = h('input', {type: 'checkbox', class: 'el-checkbox__original'});
      box.addEventListener('change', function () { ok.disabled = !box.checked; });
      body.appendChild(h('label', {class: 'el-checkbox'}, h('span', {class: 'el-checkbox__input'}, box), h('span', {class: 'el-checkbox__label', text: '我已阅读并同意《用户服务协议》'})));
    }
    var wrapper = h('div', {class: 'el-dialog__wrapper'},
      h('div', {role: 'dialog', 'aria-modal': 'true', 'aria-label': '温馨提示', class: 'el-dialog'},
        h('div', {class: 'el-dialog__header'}, h('span', {class: 'el-dialog__title', text: '温馨提示'}), close),
        body, h('div', {class: 'el-dialog__footer'}, h('span', {class: 'dialog-footer'}, ok))));
    function dismiss() { wrapper.remove(); modal.remove(); document.body.classList.remove('el-popup-parent--hidden'); }
    ok.addEventListener('click', dismiss);
    close.addEventListener('click', function () { if (CFG.overlay !== 'agreement') { dismiss(); } });
    document.body.classList.add('el-popup-parent--hidden');
    document.body.appendChild(wrapper);
    document.body.appendChild(modal);
  }

  function cookieBar() {
    try { if (localStorage.getItem('portal_cookie_accepted') === '1') { return; } } catch (e) { /* private mode */ }
    var accept = h('button', {type: 'button', class: 'el-button el-button--primary el-button--mini', text: '接受'});
    var bar = h('div', {class: 'cookie-bar', role: 'dialog', 'aria-live': 'polite', 'aria-label': 'Cookie提示'},
      h('span', {text: '本网站使用Cookie以保障您的浏览体验和统计访问量。继续浏览本网站，即表示您同意我们使用Cookie。'}), accept);
    accept.addEventListener('click', function () {
      try { localStorage.setItem('portal_cookie_accepted', '1'); } catch (e) { /* private mode */ }
      bar.remove();
    });
    document.body.appendChild(bar);
  }

  function chatWidget() {
    var panel = null;
    var bubble = h('div', {class: 'zhkf-bubble', title: '智能客服'}, h('i', {class: 'el-icon-service'}), h('span', {text: '智能客服'}));
    bubble.addEventListener('click', function () {
      if (panel) { panel.remove(); panel = null; return; }
      var log = h('div', {class: 'zhkf-panel__body'}, h('div', {class: 'zhkf-msg', text: '您好，我是智能客服“小政”，请问有什么可以帮您？'}));
      var input = h('input', {type: 'text', placeholder: '请输入您的问题'});
      var send = h('button', {type: 'button', text: '发送'});
      function say() {
        var q = input.value.trim();
        if (!q) { return; }
        log.appendChild(h('div', {class: 'zhkf-msg mine', text: q}));
        input.value = '';
        setTimeout(function () {
          log.appendChild(h('div', {class: 'zhkf-msg', text: '您好，建议您在首页搜索框输入事项名称查询办事指南，或拨打12345政务服务便民热线。'}));
          log.scrollTop = log.scrollHeight;
        }, 400);
      }
      send.addEventListener('click', say);
      input.addEventListener('keyup', function (e) { if (e.key === 'Enter') { say(); } });
      var close = h('i', {class: 'el-icon-close zhkf-close', title: '关闭'});
      panel = h('div', {class: 'zhkf-panel', role: 'dialog', 'aria-label': '智能客服'},
        h('div', {class: 'zhkf-panel__head'}, h('span', {text: '智能客服'}), close), log,
        h('div', {class: 'zhkf-panel__foot'}, input, send));
      close.addEventListener('click', function () { panel.remove(); panel = null; });
      document.body.appendChild(panel);
    });
    document.body.appendChild(bubble);
  }

  layout();
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    history.replaceState(null, '', location.pathname + location.search + '#/home');
  }
  window.addEventListener('hashchange', render);
  render();
  if (route().path === '/home') { noticeDialog(); }
  cookieBar();
  chatWidget();
})();
