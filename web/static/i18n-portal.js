'use strict';
// The texts of the portal's 办事事项 page, after i18n.js.
Object.assign(HP_TEXT.zh, {
  largeText: '大字模式', messages: '消息', unitGrants: '单位授权', myDetails: '个人信息', homeLink: '首页',
  servicesTitle: '办事事项 · 网上办事服务大厅', services: '办事事项', serviceName: '事项名称', authority: '实施主体',
  timeLimit: '办理时限', myApplications: '我的办件', inProgress: '办理中', finished: '已办结',
  toRate: '待评价', number: '编号', service: '事项', state: '状态', submittedAt: '提交时间', none: '暂无',
  applyOnline: '在线办理', workingDays: '{n} 个工作日', scopeHint: '您在{unit}的授权范围：{services}', pleaseSignIn: '请先登录 / please sign in',
});
Object.assign(HP_TEXT.en, {
  largeText: 'Large text', messages: 'Messages', unitGrants: 'Unit grants', myDetails: 'My details', homeLink: 'Home',
  servicesTitle: 'Services · Online Service Hall', services: 'Services', serviceName: 'Service', authority: 'Authority',
  timeLimit: 'Time limit', myApplications: 'My applications', inProgress: 'In progress',
  finished: 'Completed', toRate: 'To rate', number: 'Number', service: 'Service', state: 'State', submittedAt: 'Submitted',
  none: 'None', applyOnline: 'Apply online', workingDays: '{n} working days',
  scopeHint: 'Your authorisation for {unit} covers: {services}', pleaseSignIn: 'Please sign in first',
});
